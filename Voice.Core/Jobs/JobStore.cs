using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Voice.Core.Database;
using Voice.Core.Webhooks;

namespace Voice.Core.Jobs;

/// <summary>
/// The jobs ledger in Postgres: the truth about every job. The queue only delivers. A job exists once its
/// row is committed; every claim bumps its epoch, and only the current epoch may finish it, so a stale
/// worker can never overwrite a newer attempt. Finishing commits the status, the usage record (unique per
/// job) and the webhook deliveries in one transaction; live events and the delivery schedule follow the
/// commit. Every query runs in its tenant's row-level-security scope.
/// </summary>
public sealed partial class JobStore(TenantDatabase database, JobEvents events, WebhookSchedule schedule, TimeProvider clock, ILogger<JobStore> logger)
{
    public static readonly TimeSpan IdempotencyWindow = TimeSpan.FromHours(24);

    private const string Columns = """
        id, tenant_id, status, text, language, voice, format, attempts, engine, model, error::text,
        result_path, result_bytes, duration_ms, sample_rate, created_at, started_at, finished_at, callback_url, cancel_requested_at
        """;

    /// <summary>
    /// Writes a new queued job. With an idempotency key, the same key and request within 24 h return the
    /// original job (<see cref="SubmitResult.Replayed"/>); the same key with another request is a conflict.
    /// </summary>
    public async Task<SubmitResult> CreateAsync(Guid tenantId, JobSpec spec, string? callbackUrl, string? idempotencyKey, byte[]? requestHash, CancellationToken cancellationToken)
    {
        try
        {
            return await TryCreateAsync(tenantId, spec, callbackUrl, idempotencyKey, requestHash, cancellationToken).ConfigureAwait(false);
        }
        catch (IdempotencyRaceException)
        {
            // Another request with the same key committed first; ours rolled back. Now it is a replay or a conflict.
            return await TryCreateAsync(tenantId, spec, callbackUrl, idempotencyKey, requestHash, cancellationToken).ConfigureAwait(false);
        }
    }

    private sealed class IdempotencyRaceException() : Exception("A concurrent request used the same idempotency key.");

    private Task<SubmitResult> TryCreateAsync(Guid tenantId, JobSpec spec, string? callbackUrl, string? idempotencyKey, byte[]? requestHash, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            if (idempotencyKey is not null)
            {
                await using var previous = new NpgsqlCommand($"""
                    select k.request_hash, k.created_at, {Prefixed("j")}
                    from idempotency_keys k join jobs j on j.id = k.job_id
                    where k.key = $1 for update of k
                    """, connection);
                previous.Parameters.Add(new() { Value = idempotencyKey });
                bool expired = false;
                await using (var reader = await previous.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        if (clock.GetUtcNow() - reader.GetFieldValue<DateTimeOffset>(1) >= IdempotencyWindow)
                        {
                            expired = true;
                        }
                        else
                        {
                            bool same = reader.GetFieldValue<byte[]>(0).AsSpan().SequenceEqual(requestHash);
                            return same ? new SubmitResult(Read(reader, 2), Replayed: true, KeyConflict: false) : new SubmitResult(null, false, KeyConflict: true);
                        }
                    }
                }
                if (expired)
                {
                    await using var forget = new NpgsqlCommand("delete from idempotency_keys where key = $1", connection);
                    forget.Parameters.Add(new() { Value = idempotencyKey });
                    await forget.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            await using var command = new NpgsqlCommand($"""
                insert into jobs (id, tenant_id, text, language, voice, format, callback_url)
                values ($1, $2, $3, $4, $5, $6, $7)
                returning {Columns}
                """, connection);
            command.Parameters.Add(new() { Value = Guid.CreateVersion7() });
            command.Parameters.Add(new() { Value = tenantId });
            command.Parameters.Add(new() { Value = spec.Text });
            command.Parameters.Add(new() { Value = spec.Language });
            command.Parameters.Add(new() { Value = spec.Voice });
            command.Parameters.Add(new() { Value = spec.Format });
            command.Parameters.Add(new() { Value = (object?)callbackUrl ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            Job job;
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                job = Read(reader);
            }
            if (idempotencyKey is not null)
            {
                // Concurrent first uses of one key serialise on the primary key: the later insert waits for the
                // earlier transaction, finds the key taken, and this whole unit of work is rolled back and retried.
                await using var remember = new NpgsqlCommand("""
                    insert into idempotency_keys (tenant_id, key, request_hash, job_id) values ($1, $2, $3, $4)
                    on conflict (tenant_id, key) do nothing
                    """, connection);
                remember.Parameters.Add(new() { Value = tenantId });
                remember.Parameters.Add(new() { Value = idempotencyKey });
                remember.Parameters.Add(new() { Value = requestHash! });
                remember.Parameters.Add(new() { Value = job.Id });
                if (await remember.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                {
                    throw new IdempotencyRaceException();
                }
            }
            return new SubmitResult(job, Replayed: false, KeyConflict: false);
        }, cancellationToken);

    /// <summary>The tenant's job, or null when it does not exist — or belongs to another tenant, which RLS hides.</summary>
    public Task<Job?> GetAsync(Guid tenantId, Guid jobId, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, connection => GetAsync(connection, jobId, cancellationToken), cancellationToken);

    /// <summary>How many of the tenant's queued jobs are ahead of this one in its lane.</summary>
    public Task<long> QueuePositionAsync(Job job, CancellationToken cancellationToken) =>
        database.InTenantAsync(job.TenantId, async connection =>
        {
            await using var command = new NpgsqlCommand(
                "select count(*) from jobs where status = 'queued' and created_at < $1", connection);
            command.Parameters.Add(new() { Value = job.CreatedAt });
            return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }, cancellationToken);

    /// <summary>The tenant's jobs, newest first; page with <paramref name="before"/> (the last id of the previous page).</summary>
    public Task<IReadOnlyList<Job>> ListAsync(Guid tenantId, string? status, DateTimeOffset? from, DateTimeOffset? to, Guid? before, int limit, CancellationToken cancellationToken) =>
        database.InTenantAsync<IReadOnlyList<Job>>(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand($"""
                select {Columns} from jobs
                where ($1::text is null or status = $1) and ($2::timestamptz is null or created_at >= $2)
                  and ($3::timestamptz is null or created_at < $3) and ($4::uuid is null or id < $4)
                order by id desc limit $5
                """, connection);
            command.Parameters.Add(new() { Value = (object?)status ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new() { Value = (object?)from ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new() { Value = (object?)to ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new() { Value = (object?)before ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
            command.Parameters.Add(new() { Value = limit });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var jobs = new List<Job>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                jobs.Add(Read(reader));
            }
            return jobs;
        }, cancellationToken);

    /// <summary>Removes a job that never reached the queue (the enqueue failed), so nothing waits for it forever.</summary>
    public Task DeleteQueuedAsync(Guid tenantId, Guid jobId, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand("delete from jobs where id = $1 and status = 'queued' and attempts = 0", connection);
            command.Parameters.Add(new() { Value = jobId });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>
    /// Claims a delivered job for one attempt (bumping its epoch). A job canceled while it waited becomes
    /// canceled; one that already used <paramref name="maxAttempts"/> becomes failed.
    /// </summary>
    public async Task<(ClaimResult Result, ClaimedJob? Job)> ClaimAsync(Guid tenantId, Guid jobId, int maxAttempts, CancellationToken cancellationToken)
    {
        var (result, claimed, finished) = await database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand($"""
                update jobs set
                    status = case when cancel_requested_at is not null then 'canceled'
                                  when attempts >= $2 then 'failed' else 'running' end,
                    attempts = case when cancel_requested_at is null and attempts < $2 then attempts + 1 else attempts end,
                    epoch = epoch + 1,
                    started_at = coalesce(started_at, now()),
                    finished_at = case when cancel_requested_at is not null or attempts >= $2 then now() end,
                    error = case when cancel_requested_at is null and attempts >= $2 then jsonb_build_object(
                        'type', 'https://voice.dev/problems/attempts-exhausted', 'title', 'The job failed on every attempt.',
                        'status', 500, 'detail', 'Gave up after ' || attempts || ' attempts.', 'attempts', attempt_errors) else error end
                where id = $1 and status in ('queued', 'running')
                returning {Columns}, epoch
                """, connection);
            command.Parameters.Add(new() { Value = jobId });
            command.Parameters.Add(new() { Value = maxAttempts });
            Job? job;
            int epoch = 0;
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                job = await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
                if (job is not null)
                {
                    epoch = reader.GetInt32(20);
                }
            }
            if (job is null)
            {
                return (ClaimResult.AlreadyFinished, (ClaimedJob?)null, (Finished?)null);
            }
            if (job.Status == JobStatus.Running)
            {
                return (ClaimResult.Claimed, new ClaimedJob(job.Id, tenantId, job.Spec, job.Attempts, epoch, job.CallbackUrl), null);
            }
            var finished = await RecordFinishAsync(connection, job, cancellationToken).ConfigureAwait(false);
            return (job.Status == JobStatus.Canceled ? ClaimResult.Canceled : ClaimResult.Exhausted, null, finished);
        }, cancellationToken).ConfigureAwait(false);

        if (finished is not null)
        {
            await AnnounceAsync(finished).ConfigureAwait(false);
        }
        else if (claimed is not null)
        {
            await SafelyAsync(() => events.PublishAsync(new TaskEvent(TaskEvent.Running, jobId, JobStatus.Running, clock.GetUtcNow()))).ConfigureAwait(false);
        }
        return (result, claimed);
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

    /// <summary>
    /// Commits the result, its usage record and its webhook deliveries in one transaction — only if the
    /// claim's epoch is still current and nobody asked to cancel. False when the attempt was superseded.
    /// </summary>
    public Task<bool> CompleteAsync(ClaimedJob job, string engine, string model, JobResult result, int computeMs, CancellationToken cancellationToken) =>
        FinishAsync(job, async connection =>
        {
            await using var command = new NpgsqlCommand($"""
                update jobs set status = 'completed', engine = $3, model = $4, result_path = $5, result_bytes = $6,
                                duration_ms = $7, sample_rate = $8, error = null, finished_at = now()
                where id = $1 and epoch = $2 and status = 'running' and cancel_requested_at is null
                returning {Columns}
                """, connection);
            command.Parameters.Add(new() { Value = job.Id });
            command.Parameters.Add(new() { Value = job.Epoch });
            command.Parameters.Add(new() { Value = engine });
            command.Parameters.Add(new() { Value = model });
            command.Parameters.Add(new() { Value = result.BlobPath });
            command.Parameters.Add(new() { Value = result.Bytes });
            command.Parameters.Add(new() { Value = result.DurationMs });
            command.Parameters.Add(new() { Value = result.SampleRate });
            var finished = await ReadOneAsync(command, cancellationToken).ConfigureAwait(false);
            if (finished is not null)
            {
                await using var usage = new NpgsqlCommand("""
                    insert into usage_records (tenant_id, job_id, characters, audio_seconds, engine, compute_ms)
                    values ($1, $2, $3, $4, $5, $6)
                    """, connection);
                usage.Parameters.Add(new() { Value = job.TenantId });
                usage.Parameters.Add(new() { Value = job.Id });
                usage.Parameters.Add(new() { Value = job.Spec.Text.Length });
                usage.Parameters.Add(new() { Value = result.DurationMs / 1000.0 });
                usage.Parameters.Add(new() { Value = engine });
                usage.Parameters.Add(new() { Value = computeMs });
                await usage.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            return finished;
        }, cancellationToken);

    /// <summary>Records a final failure (an RFC 9457 problem document) for the current epoch.</summary>
    public Task<bool> FailAsync(ClaimedJob job, string problemJson, CancellationToken cancellationToken) =>
        FinishAsync(job, async connection =>
        {
            await using var command = new NpgsqlCommand($"""
                update jobs set status = 'failed', error = $3, finished_at = now()
                where id = $1 and epoch = $2 and status = 'running'
                returning {Columns}
                """, connection);
            command.Parameters.Add(new() { Value = job.Id });
            command.Parameters.Add(new() { Value = job.Epoch });
            command.Parameters.Add(new() { Value = problemJson, NpgsqlDbType = NpgsqlDbType.Jsonb });
            return await ReadOneAsync(command, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>The worker stopped a running job whose cancellation was requested.</summary>
    public Task<bool> MarkCanceledAsync(ClaimedJob job, CancellationToken cancellationToken) =>
        FinishAsync(job, async connection =>
        {
            await using var command = new NpgsqlCommand($"""
                update jobs set status = 'canceled', finished_at = now()
                where id = $1 and epoch = $2 and status = 'running'
                returning {Columns}
                """, connection);
            command.Parameters.Add(new() { Value = job.Id });
            command.Parameters.Add(new() { Value = job.Epoch });
            return await ReadOneAsync(command, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>A queued job is canceled at once; a running one is asked to stop at its next chunk boundary.</summary>
    public async Task<(CancelResult Result, Job? Job)> CancelAsync(Guid tenantId, Guid jobId, CancellationToken cancellationToken)
    {
        var (result, job, finished) = await database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand($"""
                update jobs set status = case when status = 'queued' then 'canceled' else status end,
                                finished_at = case when status = 'queued' then now() else finished_at end,
                                cancel_requested_at = coalesce(cancel_requested_at, now())
                where id = $1 and status in ('queued', 'running')
                returning {Columns}
                """, connection);
            command.Parameters.Add(new() { Value = jobId });
            var updated = await ReadOneAsync(command, cancellationToken).ConfigureAwait(false);
            if (updated is null)
            {
                var existing = await GetAsync(connection, jobId, cancellationToken).ConfigureAwait(false);
                return (existing is null ? CancelResult.NotFound : CancelResult.AlreadyFinished, existing, (Finished?)null);
            }
            if (updated.Status == JobStatus.Canceled)
            {
                return (CancelResult.Canceled, updated, await RecordFinishAsync(connection, updated, cancellationToken).ConfigureAwait(false));
            }
            return (CancelResult.Requested, updated, null);
        }, cancellationToken).ConfigureAwait(false);

        if (finished is not null)
        {
            await AnnounceAsync(finished).ConfigureAwait(false);
        }
        return (result, job);
    }

    private sealed record Finished(TaskEvent Event, IReadOnlyList<ScheduledDelivery> Deliveries);

    private async Task<bool> FinishAsync(ClaimedJob job, Func<NpgsqlConnection, Task<Job?>> transition, CancellationToken cancellationToken)
    {
        var finished = await database.InTenantAsync(job.TenantId, async connection =>
        {
            var updated = await transition(connection).ConfigureAwait(false);
            return updated is null ? null : await RecordFinishAsync(connection, updated, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        if (finished is null)
        {
            return false;
        }
        await AnnounceAsync(finished).ConfigureAwait(false);
        return true;
    }

    /// <summary>Inside the finishing transaction: the webhook deliveries of the job's terminal event.</summary>
    private async Task<Finished> RecordFinishAsync(NpgsqlConnection connection, Job job, CancellationToken cancellationToken)
    {
        var taskEvent = TaskEvent.ForStatus(job, clock.GetUtcNow());
        var deliveries = await WebhookOutbox.AddAsync(connection, job.TenantId, job.Id, job.CallbackUrl, taskEvent, cancellationToken).ConfigureAwait(false);
        return new Finished(taskEvent, deliveries);
    }

    /// <summary>After commit: live event and delivery schedule. Redis trouble here loses nothing — the
    /// ledger has the state and the reconciler reschedules pending deliveries.</summary>
    private async Task AnnounceAsync(Finished finished)
    {
        await SafelyAsync(() => events.PublishAsync(finished.Event)).ConfigureAwait(false);
        await SafelyAsync(() => schedule.AddAsync(finished.Deliveries)).ConfigureAwait(false);
    }

    private async Task SafelyAsync(Func<Task> action)
    {
        try
        {
            await action().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            LogAnnounceFailed(logger, ex);
        }
    }

    private static async Task<Job?> GetAsync(NpgsqlConnection connection, Guid jobId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"select {Columns} from jobs where id = $1", connection);
        command.Parameters.Add(new() { Value = jobId });
        return await ReadOneAsync(command, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<Job?> ReadOneAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    private static string Prefixed(string alias) =>
        string.Join(", ", Columns.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(c => $"{alias}.{c}"));

    private static Job Read(NpgsqlDataReader reader, int offset = 0)
    {
        int o = offset;
        JobResult? result = reader.IsDBNull(o + 11) ? null : new JobResult(
            reader.GetString(o + 11), reader.GetInt64(o + 12), reader.GetInt32(o + 13), reader.GetInt32(o + 14));
        return new Job(
            Id: reader.GetGuid(o),
            TenantId: reader.GetGuid(o + 1),
            Status: reader.GetString(o + 2),
            Spec: new JobSpec(reader.GetString(o + 3), reader.GetString(o + 4), reader.GetString(o + 5), reader.GetString(o + 6)),
            Attempts: reader.GetInt32(o + 7),
            Engine: reader.IsDBNull(o + 8) ? null : reader.GetString(o + 8),
            Model: reader.IsDBNull(o + 9) ? null : reader.GetString(o + 9),
            Error: reader.IsDBNull(o + 10) ? null : reader.GetString(o + 10),
            Result: result,
            CreatedAt: reader.GetFieldValue<DateTimeOffset>(o + 15),
            StartedAt: reader.IsDBNull(o + 16) ? null : reader.GetFieldValue<DateTimeOffset>(o + 16),
            FinishedAt: reader.IsDBNull(o + 17) ? null : reader.GetFieldValue<DateTimeOffset>(o + 17),
            CallbackUrl: reader.IsDBNull(o + 18) ? null : reader.GetString(o + 18),
            CancelRequestedAt: reader.IsDBNull(o + 19) ? null : reader.GetFieldValue<DateTimeOffset>(o + 19));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job state committed, but its live event or webhook schedule could not be sent; the reconciler will catch up")]
    private static partial void LogAnnounceFailed(ILogger logger, Exception exception);
}
