using Npgsql;
using NpgsqlTypes;

namespace Voice.Core.Jobs;

/// <summary>Claiming: workers take delivered jobs for an attempt, or give an attempt back.</summary>
public sealed partial class JobStore
{
    /// <summary>
    /// Reads the jobs of claims taken in Redis (<see cref="JobQueue.ClaimManyAsync"/>), all in one round trip; the ledger
    /// row stays queued, so a claim writes nothing. A job whose cancellation was requested becomes canceled; one whose
    /// claim is past <paramref name="maxAttempts"/> becomes failed; one already finished is left alone (a redelivery).
    /// </summary>
    /// <remarks>Concurrent calls share a round trip (<see cref="GroupCommit{TItem, TResult}"/>); the token is not observed.</remarks>
    public Task<IReadOnlyList<ClaimOutcome>> ClaimManyAsync(IReadOnlyList<QueueClaim> claims, int maxAttempts, CancellationToken cancellationToken) =>
        Claiming.RunAsync([.. claims.Select(c => (c, maxAttempts))]);

    private async Task<IReadOnlyList<ClaimOutcome>> ClaimBatchAsync(IReadOnlyList<(QueueClaim Claim, int MaxAttempts)> items)
    {
        var claims = items.Select(i => i.Claim).ToList();
        var statements = items.GroupBy(i => i.Claim.Entry.TenantId).Select(group => (group.Key, new NpgsqlBatchCommand($"""
            with settled as (
                update jobs set
                    status = case when cancel_requested_at is not null then 'canceled' else 'failed' end,
                    attempts = case when cancel_requested_at is null then c.attempt - 1 else attempts end,
                    finished_at = now(),
                    error = case when cancel_requested_at is null then jsonb_build_object(
                        'type', 'https://voice.dev/problems/attempts-exhausted', 'title', 'The job failed on every attempt.',
                        'status', 500, 'detail', 'Gave up after ' || (c.attempt - 1) || ' attempts.', 'attempts', attempt_errors) else error end
                from unnest($1::uuid[], $2::int[], $3::int[], $4::text[]) as c(id, attempt, max_attempts, trace_parent)
                where jobs.id = c.id and jobs.status = 'queued' and (jobs.cancel_requested_at is not null or c.attempt > c.max_attempts)
                returning {Prefixed("jobs")}, jobs.reserved_chars, c.trace_parent),
            finished as (
                select id, tenant_id, callback_url, case status when 'canceled' then 'task.canceled' else 'task.failed' end as event,
                       jsonb_strip_nulls(jsonb_build_object('type', case status when 'canceled' then 'task.canceled' else 'task.failed' end,
                           'task_id', id, 'status', status, 'at', now(), 'error', error::jsonb)) as data, trace_parent
                from settled),
            {OutboxWith("f.trace_parent")}
            select {Prefixed("settled")}, settled.reserved_chars, scheduled.list::text from settled, scheduled
            union all
            select {Prefixed("j")}, j.reserved_chars, '' from jobs j
            where j.id = any($1) and j.status = 'queued' and not exists (select from settled s where s.id = j.id)
            """)
        {
            Parameters =
            {
                new() { Value = group.Select(i => i.Claim.Entry.JobId).ToArray() },
                new() { Value = group.Select(i => i.Claim.Attempt).ToArray() },
                new() { Value = group.Select(i => i.MaxAttempts).ToArray() },
                new() { Value = group.Select(i => W3CTraceParent(i.Claim.Entry.TraceParent)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
            },
        })).ToList();

        var rows = await database.BatchAsync(statements, r => (Job: Read(r), Reserved: r.GetInt32(ColumnCount), Scheduled: r.GetString(ColumnCount + 1)), CancellationToken.None).ConfigureAwait(false);
        var byId = rows.ToDictionary(r => r.Job.Id);
        var outcomes = new List<ClaimOutcome>(claims.Count);
        var finished = new List<TaskEvent>();
        foreach (var claim in claims)
        {
            if (!byId.TryGetValue(claim.Entry.JobId, out var row))
            {
                outcomes.Add(new ClaimOutcome(claim.Entry, ClaimResult.AlreadyFinished, null));
                continue;
            }
            var job = row.Job;
            switch (job.Status)
            {
                case JobStatus.Queued:
                    outcomes.Add(new ClaimOutcome(claim.Entry, ClaimResult.Claimed,
                        new ClaimedJob(job.Id, job.TenantId, job.Spec, claim.Attempt, claim.Epoch, job.CallbackUrl, job.CreatedAt, row.Reserved, claim.At)));
                    break;
                case JobStatus.Canceled:
                    outcomes.Add(new ClaimOutcome(claim.Entry, ClaimResult.Canceled, null));
                    finished.Add(TaskEvent.ForStatus(job, clock.GetUtcNow()));
                    break;
                default:
                    outcomes.Add(new ClaimOutcome(claim.Entry, ClaimResult.Exhausted, null));
                    finished.Add(TaskEvent.ForStatus(job, clock.GetUtcNow()));
                    break;
            }
        }
        var now = clock.GetUtcNow();
        await AnnounceAsync(
            [.. outcomes.Where(o => o.Job is not null).Select(o => new TaskEvent(TaskEvent.Running, o.Entry.JobId, JobStatus.Running, now)), .. finished],
            ParseScheduled(rows.Select(r => r.Scheduled).Where(s => s.Length > 0).Distinct())).ConfigureAwait(false);
        return outcomes;
    }

    /// <summary>
    /// Notes a failed attempt's error on the job (its claim, and so the attempt count, is in Redis: see
    /// <see cref="JobQueue.ReleaseAsync"/>); the row stays queued for another worker.
    /// </summary>
    public Task<bool> NoteAttemptErrorAsync(ClaimedJob job, string error, CancellationToken cancellationToken) =>
        database.InTenantAsync(job.TenantId, async connection =>
        {
            await using var command = new NpgsqlCommand("""
                update jobs set attempt_errors = attempt_errors || jsonb_build_array(jsonb_build_object('attempt', $2::int, 'error', $3::text, 'at', now()))
                where id = $1 and status = 'queued'
                """, connection);
            command.Parameters.Add(new() { Value = job.Id });
            command.Parameters.Add(new() { Value = job.Attempt });
            command.Parameters.Add(new() { Value = error, NpgsqlDbType = NpgsqlDbType.Text });
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken);

    /// <summary>The entry's trace context as a W3C traceparent (null when the submission had none).</summary>
    private static string? W3CTraceParent(System.Diagnostics.ActivityContext context) => context == default ? null
        : $"00-{context.TraceId.ToHexString()}-{context.SpanId.ToHexString()}-{(context.TraceFlags.HasFlag(System.Diagnostics.ActivityTraceFlags.Recorded) ? "01" : "00")}";
}
