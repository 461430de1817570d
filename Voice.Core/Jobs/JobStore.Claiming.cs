using Npgsql;
using NpgsqlTypes;

namespace Voice.Core.Jobs;

/// <summary>Claiming: workers take delivered jobs for an attempt, or give an attempt back.</summary>
public sealed partial class JobStore
{
    /// <summary>
    /// Claims delivered jobs for one attempt each (bumping their epochs), all in one round trip. A job
    /// canceled while it waited becomes canceled; one that already used <paramref name="maxAttempts"/> becomes
    /// failed; one already finished is left alone (a redelivery).
    /// </summary>
    public async Task<IReadOnlyList<ClaimOutcome>> ClaimManyAsync(IReadOnlyList<QueueEntry> entries, int maxAttempts, CancellationToken cancellationToken)
    {
        var statements = entries.GroupBy(e => e.TenantId).Select(group => (group.Key, new NpgsqlBatchCommand($"""
            with claimed as (
                update jobs set
                    status = case when cancel_requested_at is not null then 'canceled' when attempts >= $2 then 'failed' else 'running' end,
                    attempts = case when cancel_requested_at is null and attempts < $2 then attempts + 1 else attempts end,
                    epoch = epoch + 1,
                    started_at = coalesce(started_at, now()),
                    finished_at = case when cancel_requested_at is not null or attempts >= $2 then now() end,
                    error = case when cancel_requested_at is null and attempts >= $2 then jsonb_build_object(
                        'type', 'https://voice.dev/problems/attempts-exhausted', 'title', 'The job failed on every attempt.',
                        'status', 500, 'detail', 'Gave up after ' || attempts || ' attempts.', 'attempts', attempt_errors) else error end
                from unnest($1::uuid[]) as c(id)
                where jobs.id = c.id and jobs.status in ('queued', 'running')
                returning {Prefixed("jobs")}, jobs.epoch, jobs.reserved_chars),
            finished as (
                select id, tenant_id, callback_url, case status when 'canceled' then 'task.canceled' else 'task.failed' end as event,
                       jsonb_strip_nulls(jsonb_build_object('type', case status when 'canceled' then 'task.canceled' else 'task.failed' end,
                           'task_id', id, 'status', status, 'at', now(), 'error', error::jsonb)) as data
                from claimed where status in ('canceled', 'failed')),
            {Outbox}
            select claimed.*, scheduled.list::text from claimed, scheduled
            """)
        {
            Parameters = { new() { Value = group.Select(e => e.JobId).ToArray() }, new() { Value = maxAttempts } },
        })).ToList();

        var rows = await database.BatchAsync(statements, r => (Job: Read(r), Epoch: r.GetInt32(ColumnCount), Reserved: r.GetInt32(ColumnCount + 1), Scheduled: r.GetString(ColumnCount + 2)), cancellationToken).ConfigureAwait(false);
        var byId = rows.ToDictionary(r => r.Job.Id);
        var outcomes = new List<ClaimOutcome>(entries.Count);
        var finished = new List<TaskEvent>();
        foreach (var entry in entries)
        {
            if (!byId.TryGetValue(entry.JobId, out var row))
            {
                outcomes.Add(new ClaimOutcome(entry, ClaimResult.AlreadyFinished, null));
                continue;
            }
            var job = row.Job;
            switch (job.Status)
            {
                case JobStatus.Running:
                    outcomes.Add(new ClaimOutcome(entry, ClaimResult.Claimed, new ClaimedJob(job.Id, job.TenantId, job.Spec, job.Attempts, row.Epoch, job.CallbackUrl, job.CreatedAt, row.Reserved)));
                    break;
                case JobStatus.Canceled:
                    outcomes.Add(new ClaimOutcome(entry, ClaimResult.Canceled, null));
                    finished.Add(TaskEvent.ForStatus(job, clock.GetUtcNow()));
                    break;
                default:
                    outcomes.Add(new ClaimOutcome(entry, ClaimResult.Exhausted, null));
                    finished.Add(TaskEvent.ForStatus(job, clock.GetUtcNow()));
                    break;
            }
        }
        var now = clock.GetUtcNow();
        await AnnounceAsync(
            [.. outcomes.Where(o => o.Job is not null).Select(o => new TaskEvent(TaskEvent.Running, o.Entry.JobId, JobStatus.Running, now)), .. finished],
            ParseScheduled(rows.Select(r => r.Scheduled).Distinct())).ConfigureAwait(false);
        return outcomes;
    }

    /// <summary>
    /// Gives the attempt back: the job is queued again for another worker. A transient failure counts as an
    /// attempt (and is noted in the job's attempt errors); a shutdown does not.
    /// </summary>
    public Task<bool> ReleaseAsync(ClaimedJob job, string? error, CancellationToken cancellationToken) =>
        database.InTenantAsync(job.TenantId, async connection =>
        {
            await using var command = new NpgsqlCommand("""
                update jobs set status = 'queued',
                    attempts = case when $3::text is null then attempts - 1 else attempts end,
                    attempt_errors = case when $3::text is null then attempt_errors
                                          else attempt_errors || jsonb_build_array(jsonb_build_object('attempt', attempts, 'error', $3::text, 'at', now())) end
                where id = $1 and epoch = $2 and status = 'running'
                """, connection);
            command.Parameters.Add(new() { Value = job.Id });
            command.Parameters.Add(new() { Value = job.Epoch });
            command.Parameters.Add(new() { Value = (object?)error ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken);
}
