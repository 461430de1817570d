using System.Diagnostics;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Voice.Core.Jobs;

/// <summary>Finishing: results, failures and cancellations, each committed with its usage record and webhook deliveries (the outbox).</summary>
public sealed partial class JobStore
{
    /// <summary>
    /// Commits results, their usage records, the month's settled use and webhook deliveries, for many jobs in one round trip — each
    /// only if it is still queued (its claim lives in Redis; whichever attempt commits first is the job's one result) and nobody
    /// asked to cancel it; the claim's epoch, attempt and start are recorded with it. Returns the committed job ids; a missing
    /// one was finished by another attempt or canceled.
    /// </summary>
    /// <remarks>Concurrent calls are committed together (<see cref="GroupCommit{TItem, TResult}"/>); the token is not observed.</remarks>
    public async Task<IReadOnlySet<Guid>> CompleteManyAsync(IReadOnlyList<Completion> completions, CancellationToken cancellationToken)
    {
        // Each job's deliveries keep its caller's trace context (the merged round trip runs in none of them).
        var committed = await Completing.RunAsync([.. completions.Select(c => (c, Activity.Current?.Id))]).ConfigureAwait(false);
        return completions.Where((_, i) => committed[i]).Select(c => c.Job.Id).ToHashSet();
    }

    /// <summary>One round trip for completions of any tenants; whether each committed (a job's two attempts in one batch: only the one that wrote its result).</summary>
    private async Task<IReadOnlyList<bool>> CompleteBatchAsync(IReadOnlyList<(Completion Completion, string? TraceParent)> batch)
    {
        var at = clock.GetUtcNow();
        var completions = batch.Select(b => b.Completion).ToList();
        var statements = batch.GroupBy(b => b.Completion.Job.TenantId).Select(group =>
        {
            var items = group.Select(b => b.Completion).ToList();
            var traceParents = group.Select(b => b.TraceParent).ToArray();
            var command = new NpgsqlBatchCommand($"""
                with finished as (
                    update jobs j set status = 'completed', epoch = r.epoch, attempts = r.attempt, started_at = r.started_at, engine = r.engine, model = r.model, result_path = r.path, result_bytes = r.bytes,
                                      duration_ms = r.duration_ms, sample_rate = r.rate, words = r.words, error = null,
                                      turn_starts_ms = (select array_agg(e.value::int order by e.n) from jsonb_array_elements_text(r.turn_starts) with ordinality e(value, n)), finished_at = now()
                    from unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::int[], $8::int[], $9::int[], $10::jsonb[], $11::jsonb[], $12::jsonb[],
                                $13::int[], $14::timestamptz[], $15::text[])
                         as r(id, epoch, engine, model, path, bytes, duration_ms, rate, compute_ms, data, words, turn_starts, attempt, started_at, trace_parent)
                    where j.id = r.id and j.status = 'queued' and j.cancel_requested_at is null
                    returning j.id, j.tenant_id, j.callback_url, 'task.completed'::text as event, r.data, j.text, r.duration_ms, r.engine, r.compute_ms, j.quota_period, r.path, r.trace_parent),
                settled as (
                    insert into quota_periods (tenant_id, period, used_chars, used_audio_ms)
                    select tenant_id, quota_period, sum(length(text)), sum(duration_ms) from finished where quota_period is not null group by 1, 2
                    on conflict (tenant_id, period) do update set used_chars = quota_periods.used_chars + excluded.used_chars,
                                                                 used_audio_ms = quota_periods.used_audio_ms + excluded.used_audio_ms),
                usage as (
                    insert into usage_records (tenant_id, job_id, characters, audio_seconds, engine, compute_ms,
                                               kind, plan, price_per_1k_characters, price_per_audio_minute, cost, currency)
                    select f.tenant_id, f.id, length(f.text), f.duration_ms / 1000.0, f.engine, f.compute_ms,
                           'speech', p.id, p.price_per_1k_characters, p.price_per_audio_minute,
                           round(length(f.text) * p.price_per_1k_characters / 1000 + f.duration_ms * p.price_per_audio_minute / 60000, 6), p.currency
                    from finished f join tenants t on t.id = f.tenant_id join plans p on p.id = t.plan),
                {OutboxWith("f.trace_parent")}
                select finished.id, scheduled.list::text, finished.path from finished, scheduled
                """);
            command.Parameters.Add(new() { Value = items.Select(c => c.Job.Id).ToArray() });
            command.Parameters.Add(new() { Value = items.Select(c => c.Job.Epoch).ToArray() });
            command.Parameters.Add(new() { Value = items.Select(c => c.Engine).ToArray() });
            command.Parameters.Add(new() { Value = items.Select(c => c.Model).ToArray() });
            command.Parameters.Add(new() { Value = items.Select(c => c.Result.BlobPath).ToArray() });
            command.Parameters.Add(new() { Value = items.Select(c => c.Result.Bytes).ToArray() });
            command.Parameters.Add(new() { Value = items.Select(c => c.Result.DurationMs).ToArray() });
            command.Parameters.Add(new() { Value = items.Select(c => c.Result.SampleRate).ToArray() });
            command.Parameters.Add(new() { Value = items.Select(c => c.ComputeMs).ToArray() });
            command.Parameters.Add(new() { Value = items.Select(c => CompletedEvent(c, at).ToJson()).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
            command.Parameters.Add(new() { Value = items.Select(c => c.Words is null ? null : WordTimestamps.ToJson(c.Words)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
            command.Parameters.Add(new() { Value = items.Select(c => c.Result.TurnStartsMs is { } starts ? $"[{string.Join(',', starts)}]" : null).ToArray(),
                NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
            command.Parameters.Add(new() { Value = items.Select(c => c.Job.Attempt).ToArray() });
            command.Parameters.Add(new() { Value = items.Select(c => c.Job.ClaimedAt ?? at).ToArray() });
            command.Parameters.Add(new() { Value = traceParents, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            return (group.Key, command);
        }).ToList();

        var rows = await database.BatchAsync(statements, r => (Id: r.GetGuid(0), Scheduled: r.GetString(1), Path: r.GetString(2)), CancellationToken.None).ConfigureAwait(false);
        var written = rows.Select(r => (r.Id, r.Path)).ToHashSet();
        var committed = completions.Select(c => written.Contains((c.Job.Id, c.Result.BlobPath))).ToList();
        await AnnounceAsync([.. completions.Where((_, i) => committed[i]).Select(c => CompletedEvent(c, at))],
            ParseScheduled(rows.Select(r => r.Scheduled).Distinct())).ConfigureAwait(false);
        return committed;
    }

    /// <summary>Records a final failure (an RFC 9457 problem document) for the current epoch.</summary>
    public Task<bool> FailAsync(ClaimedJob job, string problemJson, CancellationToken cancellationToken) =>
        FinishOneAsync(job, JobStatus.Failed, TaskEvent.Failed, "error = $3::jsonb,", problemJson, cancellationToken);

    /// <summary>Finishes a job that makes no audio (preparing a voice profile): no result and no usage record.</summary>
    public Task<bool> CompleteWithoutResultAsync(ClaimedJob job, CancellationToken cancellationToken) =>
        FinishOneAsync(job, JobStatus.Completed, TaskEvent.Completed, "", null, cancellationToken);

    /// <summary>The worker stopped a running job whose cancellation was requested.</summary>
    public Task<bool> MarkCanceledAsync(ClaimedJob job, CancellationToken cancellationToken) =>
        FinishOneAsync(job, JobStatus.Canceled, TaskEvent.Canceled, "", null, cancellationToken, "and cancel_requested_at is not null");

    /// <summary>Finishes a claimed job that is still queued in the ledger, recording its claim's epoch, attempt and start.</summary>
    private async Task<bool> FinishOneAsync(ClaimedJob job, string status, string eventType, string extraSet, string? problemJson, CancellationToken cancellationToken,
        string extraCondition = "")
    {
        var taskEvent = new TaskEvent(eventType, job.Id, status, clock.GetUtcNow(),
            Error: problemJson is null ? null : JsonDocument.Parse(problemJson).RootElement.Clone());
        var command = new NpgsqlBatchCommand($"""
            with finished as (
                update jobs set status = '{status}', {extraSet} finished_at = now(), epoch = $2, attempts = $5, started_at = coalesce($6, now())
                where id = $1 and status = 'queued' {extraCondition}
                returning id, tenant_id, callback_url, '{eventType}'::text as event, $4::jsonb as data),
            {Outbox}
            select finished.id, scheduled.list::text from finished, scheduled
            """);
        command.Parameters.Add(new() { Value = job.Id });
        command.Parameters.Add(new() { Value = job.Epoch });
        command.Parameters.Add(new() { Value = (object?)problemJson ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = taskEvent.ToJson(), NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = job.Attempt });
        command.Parameters.Add(new() { Value = (object?)job.ClaimedAt ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        var rows = await database.BatchAsync([(job.TenantId, command)], r => r.GetString(1), cancellationToken).ConfigureAwait(false);
        if (rows.Count == 0)
        {
            return false;
        }
        await AnnounceAsync([taskEvent], ParseScheduled(rows)).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// A job no worker holds is canceled at once; one a worker holds (its claim in <paramref name="queue"/>) is asked to
    /// stop at its next chunk boundary (the cancel message): its completion is then refused and the worker marks it canceled.
    /// </summary>
    public async Task<(CancelResult Result, Job? Job)> CancelAsync(Guid tenantId, Guid jobId, JobQueue queue, CancellationToken cancellationToken)
    {
        var requested = await database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand($"""
                update jobs set cancel_requested_at = coalesce(cancel_requested_at, now())
                where id = $1 and status = 'queued'
                returning {Columns}
                """, connection);
            command.Parameters.Add(new() { Value = jobId });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
        }, cancellationToken).ConfigureAwait(false);
        if (requested is null)
        {
            var existing = await GetAsync(tenantId, jobId, cancellationToken).ConfigureAwait(false);
            return (existing is null ? CancelResult.NotFound : CancelResult.AlreadyFinished, existing);
        }
        if (await queue.IsHeldAsync(requested).ConfigureAwait(false))
        {
            await events.RequestCancelAsync(jobId).ConfigureAwait(false);
            return (CancelResult.Requested, requested with { Status = JobStatus.Running });
        }
        var command = new NpgsqlBatchCommand($"""
            with changed as (
                update jobs set status = 'canceled', finished_at = now()
                where id = $1 and status = 'queued'
                returning {Columns}),
            finished as (
                select id, tenant_id, callback_url, 'task.canceled'::text as event,
                       jsonb_build_object('type', 'task.canceled', 'task_id', id, 'status', 'canceled', 'at', now()) as data
                from changed),
            {Outbox}
            select changed.*, scheduled.list::text from changed, scheduled
            """);
        command.Parameters.Add(new() { Value = jobId });
        var rows = await database.BatchAsync([(tenantId, command)], r => (Job: Read(r), Scheduled: r.GetString(ColumnCount)), cancellationToken).ConfigureAwait(false);
        if (rows.Count == 0)
        {
            // A worker claimed it meanwhile: its completion is refused now that the cancellation is requested.
            await events.RequestCancelAsync(jobId).ConfigureAwait(false);
            var current = await GetAsync(tenantId, jobId, cancellationToken).ConfigureAwait(false);
            return current is { Status: JobStatus.Canceled } ? (CancelResult.Canceled, current) : (CancelResult.Requested, current! with { Status = JobStatus.Running });
        }
        var job = rows[0].Job;
        await AnnounceAsync([TaskEvent.ForStatus(job, clock.GetUtcNow())], ParseScheduled([rows[0].Scheduled])).ConfigureAwait(false);
        return (CancelResult.Canceled, job);
    }

    private static TaskEvent CompletedEvent(Completion c, DateTimeOffset at) => new(TaskEvent.Completed, c.Job.Id, JobStatus.Completed, at,
        Result: new TaskEventResult(c.Job.Spec.Format, c.Result.SampleRate, c.Result.DurationMs / 1000.0, c.Result.Bytes, c.Engine, c.Model));
}
