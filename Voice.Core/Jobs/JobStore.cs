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
/// job) and the webhook deliveries in one statement (the outbox); live events and the delivery schedule
/// follow the commit. Submissions, claims and completions are batched: many jobs, of any tenants, in one
/// round trip and one transaction, each statement in its own tenant's row-level-security scope.
/// </summary>
public sealed partial class JobStore(TenantDatabase database, JobEvents events, WebhookSchedule schedule, TimeProvider clock, ILogger<JobStore> logger)
{
    public static readonly TimeSpan IdempotencyWindow = TimeSpan.FromHours(24);

    private const string Columns = """
        id, tenant_id, status, text, language, voice, format, attempts, engine, model, error::text,
        result_path, result_bytes, duration_ms, sample_rate, created_at, started_at, finished_at, callback_url, cancel_requested_at, kind, speed, stream, word_timestamps, result_deleted_at
        """;

    /// <summary>How many fields <see cref="Columns"/> reads; statements add theirs after these.</summary>
    private const int ColumnCount = 25;

    /// <summary>
    /// Turns the <c>finished</c> CTE (id, tenant_id, callback_url, event, data) into webhook deliveries — one per
    /// subscribed, enabled endpoint and one for the task's callback_url — inside the same statement.
    /// </summary>
    private const string Outbox = """
        deliveries as (
            insert into webhook_deliveries (id, tenant_id, webhook_id, job_id, event, url, payload)
            select d.id, d.tenant_id, d.webhook_id, d.job_id, d.event, d.url,
                   jsonb_build_object('id', d.id, 'type', d.event, 'created_at', now(), 'data', d.data)
            from (select gen_random_uuid() as id, f.tenant_id, w.id as webhook_id, f.id as job_id, f.event, w.url, f.data
                  from finished f join webhooks w on w.tenant_id = f.tenant_id and w.disabled_at is null and f.event = any(w.events)
                  union all
                  select gen_random_uuid(), f.tenant_id, null, f.id, f.event, f.callback_url, f.data
                  from finished f where f.callback_url is not null) d
            on conflict (job_id, webhook_id, event) do nothing
            returning id, tenant_id, next_attempt_at),
        scheduled as (
            select coalesce(jsonb_agg(jsonb_build_array(id, tenant_id, next_attempt_at)), '[]'::jsonb) as list from deliveries)
        """;

    // ---- Submitting -------------------------------------------------------------------------------

    /// <summary>
    /// Admits one tenant's submissions in order against its plan's limits and inserts the admitted ones (the
    /// <c>admit_jobs</c> function): one row per submission, a refusal reason or null, then the job's columns.
    /// </summary>
    private static readonly string Admit = $"select a.refusal, {Prefixed("(a.job)")} from admit_jobs($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) a";

    private static NpgsqlBatchCommand AdmitCommand(Guid tenantId, IReadOnlyList<(Guid Id, NewJob Job)> jobs)
    {
        // Every job of a group was submitted under the same plan; the first carries the limits.
        var admission = jobs[0].Job.Admission;
        var command = new NpgsqlBatchCommand(Admit);
        var p = command.Parameters;
        p.Add(new() { Value = tenantId });
        p.Add(new() { Value = jobs.Select(j => j.Id).ToArray() });
        p.Add(new() { Value = jobs.Select(j => j.Job.Spec.Text).ToArray() });
        p.Add(new() { Value = jobs.Select(j => j.Job.Spec.Language).ToArray() });
        p.Add(new() { Value = jobs.Select(j => j.Job.Spec.Voice).ToArray() });
        p.Add(new() { Value = jobs.Select(j => j.Job.Spec.Format).ToArray() });
        p.Add(new() { Value = jobs.Select(j => j.Job.CallbackUrl).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        p.Add(new() { Value = jobs.Select(j => j.Job.Spec.Kind).ToArray() });
        p.Add(new() { Value = jobs.Select(j => j.Job.Spec.Speed).ToArray() });
        p.Add(new() { Value = jobs.Select(j => j.Job.Admission is null || j.Job.Spec.Kind != JobKinds.Speech ? 0 : JobAdmission.Characters(j.Job.Spec.Text)).ToArray() });
        p.Add(new() { Value = jobs.Select(j => j.Job.Admission is null ? 0L : JobAdmission.EstimatedAudioMs(j.Job.Spec)).ToArray() });
        p.Add(new() { Value = jobs.Select(j => j.Job.Spec.Stream).ToArray() });
        p.Add(new() { Value = jobs.Select(j => j.Job.Spec.WordTimestamps).ToArray() });
        p.Add(new() { Value = (object?)admission?.Period ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Date });
        p.Add(new() { Value = (object?)admission?.MaxActiveJobs ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        p.Add(new() { Value = (object?)admission?.MonthlyCharacters ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        p.Add(new() { Value = (object?)admission?.MonthlyAudioSeconds ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        return command;
    }

    private static AdmissionRefusal? ReadRefusal(NpgsqlDataReader reader) => reader.IsDBNull(0) ? null : reader.GetString(0) switch
    {
        "concurrency" => AdmissionRefusal.Concurrency,
        "characters" => AdmissionRefusal.Characters,
        _ => AdmissionRefusal.AudioSeconds,
    };

    /// <summary>
    /// Admits and writes queued jobs for any number of tenants in one round trip: per tenant, its jobs in
    /// submission order, each checked against its plan's limits. A refused job writes nothing.
    /// </summary>
    public async Task<IReadOnlyList<(Job? Job, AdmissionRefusal? Refusal)>> CreateManyAsync(IReadOnlyList<NewJob> jobs, CancellationToken cancellationToken)
    {
        var ids = jobs.Select(_ => Guid.CreateVersion7()).ToArray();
        // One statement per tenant and plan (a plan change between two submissions of a batch splits it).
        var groups = jobs.Select((job, index) => (job, index))
            .GroupBy(x => (x.job.TenantId, x.job.Admission))
            .OrderBy(g => g.Key.TenantId)
            .ToList();
        var statements = groups.Select(g => (g.Key.TenantId, AdmitCommand(g.Key.TenantId, [.. g.Select(x => (ids[x.index], x.job))]))).ToList();
        var rows = await database.BatchAsync(statements, r => (Refusal: ReadRefusal(r), Job: r.IsDBNull(1) ? null : Read(r, 1)), cancellationToken).ConfigureAwait(false);
        // One row per job, statement by statement (BatchAsync keeps the order of equal tenants), job by job.
        var order = groups.SelectMany(g => g).Select(x => x.index).ToList();
        var results = new (Job?, AdmissionRefusal?)[jobs.Count];
        for (int i = 0; i < order.Count; i++)
        {
            results[order[i]] = (rows[i].Job, rows[i].Job is null ? rows[i].Refusal : null);
        }
        return results;
    }

    /// <summary>
    /// Admits and writes a new queued job. With an idempotency key, the same key and request within 24 h return
    /// the original job (<see cref="SubmitResult.Replayed"/>); the same key with another request is a conflict.
    /// </summary>
    public async Task<SubmitResult> CreateAsync(NewJob job, string? idempotencyKey, byte[]? requestHash, CancellationToken cancellationToken)
    {
        if (idempotencyKey is null)
        {
            var (created, refusal) = (await CreateManyAsync([job], cancellationToken).ConfigureAwait(false))[0];
            return new SubmitResult(created, false, false, refusal);
        }
        try
        {
            return await TryCreateIdempotentAsync(job, idempotencyKey, requestHash!, cancellationToken).ConfigureAwait(false);
        }
        catch (IdempotencyRaceException)
        {
            // Another request with the same key committed first; ours rolled back. Now it is a replay or a conflict.
            return await TryCreateIdempotentAsync(job, idempotencyKey, requestHash!, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes a job outside any plan's limits (operator tools, tests).</summary>
    public Task<SubmitResult> CreateAsync(Guid tenantId, JobSpec spec, string? callbackUrl, string? idempotencyKey, byte[]? requestHash, CancellationToken cancellationToken) =>
        CreateAsync(new NewJob(tenantId, spec, callbackUrl), idempotencyKey, requestHash, cancellationToken);

    private sealed class IdempotencyRaceException() : Exception("A concurrent request used the same idempotency key.");

    private Task<SubmitResult> TryCreateIdempotentAsync(NewJob job, string idempotencyKey, byte[] requestHash, CancellationToken cancellationToken) =>
        database.InTenantAsync(job.TenantId, async connection =>
        {
            await using (var previous = new NpgsqlCommand($"""
                select k.request_hash, k.created_at, {Prefixed("j")}
                from idempotency_keys k join jobs j on j.id = k.job_id
                where k.key = $1 for update of k
                """, connection))
            {
                previous.Parameters.Add(new() { Value = idempotencyKey });
                await using var reader = await previous.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && clock.GetUtcNow() - reader.GetFieldValue<DateTimeOffset>(1) < IdempotencyWindow)
                {
                    bool same = reader.GetFieldValue<byte[]>(0).AsSpan().SequenceEqual(requestHash);
                    return same ? new SubmitResult(Read(reader, 2), Replayed: true, KeyConflict: false) : new SubmitResult(null, false, KeyConflict: true);
                }
            }
            var admit = AdmitCommand(job.TenantId, [(Guid.CreateVersion7(), job)]);
            Job? created;
            await using (var command = new NpgsqlCommand(admit.CommandText, connection))
            {
                foreach (NpgsqlParameter parameter in admit.Parameters)
                {
                    command.Parameters.Add(parameter.Clone());
                }
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                if (ReadRefusal(reader) is { } refusal)
                {
                    return new SubmitResult(null, false, false, refusal);
                }
                created = Read(reader, 1);
            }
            // No key, or one older than the window: (re)claim it for this request. Concurrent first uses
            // serialise on the primary key; the later one finds it taken and this unit of work is retried.
            await using (var expired = new NpgsqlCommand("delete from idempotency_keys where key = $1 and created_at < now() - $2::interval", connection))
            {
                expired.Parameters.Add(new() { Value = idempotencyKey });
                expired.Parameters.Add(new() { Value = IdempotencyWindow });
                await expired.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await using (var remember = new NpgsqlCommand("""
                insert into idempotency_keys (tenant_id, key, request_hash, job_id) values ($2, $1, $3, $4)
                on conflict (tenant_id, key) do nothing
                """, connection))
            {
                remember.Parameters.Add(new() { Value = idempotencyKey });
                remember.Parameters.Add(new() { Value = job.TenantId });
                remember.Parameters.Add(new() { Value = requestHash });
                remember.Parameters.Add(new() { Value = created.Id });
                if (await remember.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                {
                    throw new IdempotencyRaceException();
                }
            }
            return new SubmitResult(created, Replayed: false, KeyConflict: false);
        }, cancellationToken);

    /// <summary>Removes jobs that never reached the queue (the enqueue failed), so nothing waits for them forever.</summary>
    public Task DeleteQueuedAsync(IReadOnlyList<Job> jobs, CancellationToken cancellationToken) =>
        database.BatchAsync([.. jobs.GroupBy(j => j.TenantId).Select(group => (group.Key, new NpgsqlBatchCommand(
            "delete from jobs where id = any($1) and status = 'queued' and attempts = 0")
        {
            Parameters = { new() { Value = group.Select(j => j.Id).ToArray() } },
        }))], _ => 0, cancellationToken);

    // ---- Reading ----------------------------------------------------------------------------------

    /// <summary>The tenant's job, or null when it does not exist — or belongs to another tenant, which RLS hides.</summary>
    public Task<Job?> GetAsync(Guid tenantId, Guid jobId, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, connection => GetAsync(connection, jobId, cancellationToken), cancellationToken);

    /// <summary>A completed job's word timestamps; null when it did not ask for them (or is not completed).</summary>
    public Task<IReadOnlyList<WordTimestamp>?> GetWordsAsync(Guid tenantId, Guid jobId, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand("select words::text from jobs where id = $1 and words is not null", connection);
            command.Parameters.Add(new() { Value = jobId });
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string json ? WordTimestamps.FromJson(json) : null;
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

    // ---- Claiming ---------------------------------------------------------------------------------

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
                returning {Prefixed("jobs")}, jobs.epoch),
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

        var rows = await database.BatchAsync(statements, r => (Job: Read(r), Epoch: r.GetInt32(ColumnCount), Scheduled: r.GetString(ColumnCount + 1)), cancellationToken).ConfigureAwait(false);
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
                    outcomes.Add(new ClaimOutcome(entry, ClaimResult.Claimed, new ClaimedJob(job.Id, job.TenantId, job.Spec, job.Attempts, row.Epoch, job.CallbackUrl, job.CreatedAt)));
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

    // ---- Finishing --------------------------------------------------------------------------------

    /// <summary>
    /// Commits results, their usage records, the month's settled use and webhook deliveries, for many jobs in one round trip — each
    /// only if its claim's epoch is still current and nobody asked to cancel it. Returns the committed job ids;
    /// a missing one was superseded or canceled.
    /// </summary>
    public async Task<IReadOnlySet<Guid>> CompleteManyAsync(IReadOnlyList<Completion> completions, CancellationToken cancellationToken)
    {
        var at = clock.GetUtcNow();
        var statements = completions.GroupBy(c => c.Job.TenantId).Select(group =>
        {
            var items = group.ToList();
            var command = new NpgsqlBatchCommand($"""
                with finished as (
                    update jobs j set status = 'completed', engine = r.engine, model = r.model, result_path = r.path, result_bytes = r.bytes,
                                      duration_ms = r.duration_ms, sample_rate = r.rate, words = r.words, error = null, finished_at = now()
                    from unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::int[], $8::int[], $9::int[], $10::jsonb[], $11::jsonb[])
                         as r(id, epoch, engine, model, path, bytes, duration_ms, rate, compute_ms, data, words)
                    where j.id = r.id and j.epoch = r.epoch and j.status = 'running' and j.cancel_requested_at is null
                    returning j.id, j.tenant_id, j.callback_url, 'task.completed'::text as event, r.data, j.text, r.duration_ms, r.engine, r.compute_ms, j.quota_period),
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
                {Outbox}
                select finished.id, scheduled.list::text from finished, scheduled
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
            return (group.Key, command);
        }).ToList();

        var rows = await database.BatchAsync(statements, r => (Id: r.GetGuid(0), Scheduled: r.GetString(1)), cancellationToken).ConfigureAwait(false);
        var committed = rows.Select(r => r.Id).ToHashSet();
        await AnnounceAsync([.. completions.Where(c => committed.Contains(c.Job.Id)).Select(c => CompletedEvent(c, at))],
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
        FinishOneAsync(job, JobStatus.Canceled, TaskEvent.Canceled, "", null, cancellationToken);

    private async Task<bool> FinishOneAsync(ClaimedJob job, string status, string eventType, string extraSet, string? problemJson, CancellationToken cancellationToken)
    {
        var taskEvent = new TaskEvent(eventType, job.Id, status, clock.GetUtcNow(),
            Error: problemJson is null ? null : JsonDocument.Parse(problemJson).RootElement.Clone());
        var command = new NpgsqlBatchCommand($"""
            with finished as (
                update jobs set status = '{status}', {extraSet} finished_at = now()
                where id = $1 and epoch = $2 and status = 'running'
                returning id, tenant_id, callback_url, '{eventType}'::text as event, $4::jsonb as data),
            {Outbox}
            select finished.id, scheduled.list::text from finished, scheduled
            """);
        command.Parameters.Add(new() { Value = job.Id });
        command.Parameters.Add(new() { Value = job.Epoch });
        command.Parameters.Add(new() { Value = (object?)problemJson ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = taskEvent.ToJson(), NpgsqlDbType = NpgsqlDbType.Text });
        var rows = await database.BatchAsync([(job.TenantId, command)], r => r.GetString(1), cancellationToken).ConfigureAwait(false);
        if (rows.Count == 0)
        {
            return false;
        }
        await AnnounceAsync([taskEvent], ParseScheduled(rows)).ConfigureAwait(false);
        return true;
    }

    /// <summary>A queued job is canceled at once; a running one is asked to stop at its next chunk boundary.</summary>
    public async Task<(CancelResult Result, Job? Job)> CancelAsync(Guid tenantId, Guid jobId, CancellationToken cancellationToken)
    {
        var command = new NpgsqlBatchCommand($"""
            with changed as (
                update jobs set status = case when status = 'queued' then 'canceled' else status end,
                                finished_at = case when status = 'queued' then now() else finished_at end,
                                cancel_requested_at = coalesce(cancel_requested_at, now())
                where id = $1 and status in ('queued', 'running')
                returning {Columns}),
            finished as (
                select id, tenant_id, callback_url, 'task.canceled'::text as event,
                       jsonb_build_object('type', 'task.canceled', 'task_id', id, 'status', 'canceled', 'at', now()) as data
                from changed where status = 'canceled'),
            {Outbox}
            select changed.*, scheduled.list::text from changed, scheduled
            """);
        command.Parameters.Add(new() { Value = jobId });
        var rows = await database.BatchAsync([(tenantId, command)], r => (Job: Read(r), Scheduled: r.GetString(ColumnCount)), cancellationToken).ConfigureAwait(false);
        if (rows.Count == 0)
        {
            var existing = await GetAsync(tenantId, jobId, cancellationToken).ConfigureAwait(false);
            return (existing is null ? CancelResult.NotFound : CancelResult.AlreadyFinished, existing);
        }
        var job = rows[0].Job;
        if (job.Status != JobStatus.Canceled)
        {
            return (CancelResult.Requested, job);
        }
        await AnnounceAsync([TaskEvent.ForStatus(job, clock.GetUtcNow())], ParseScheduled([rows[0].Scheduled])).ConfigureAwait(false);
        return (CancelResult.Canceled, job);
    }

    private static TaskEvent CompletedEvent(Completion c, DateTimeOffset at) => new(TaskEvent.Completed, c.Job.Id, JobStatus.Completed, at,
        Result: new TaskEventResult(c.Job.Spec.Format, c.Result.SampleRate, c.Result.DurationMs / 1000.0, c.Result.Bytes, c.Engine, c.Model));

    /// <summary>After commit: live events and the delivery schedule. Redis trouble here loses nothing — the
    /// ledger has the state and the reconciler reschedules pending deliveries.</summary>
    private async Task AnnounceAsync(IReadOnlyList<TaskEvent> taskEvents, IReadOnlyList<ScheduledDelivery> deliveries)
    {
        try
        {
            await Task.WhenAll(taskEvents.Select(events.PublishAsync)).ConfigureAwait(false);
            await schedule.AddAsync(deliveries).ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisFaults.IsTransient(ex))
        {
            LogAnnounceFailed(logger, ex);
        }
    }

    private static List<ScheduledDelivery> ParseScheduled(IEnumerable<string> lists)
    {
        var deliveries = new List<ScheduledDelivery>();
        foreach (string list in lists)
        {
            foreach (var item in JsonDocument.Parse(list).RootElement.EnumerateArray())
            {
                deliveries.Add(new ScheduledDelivery(item[1].GetGuid(), item[0].GetGuid(), item[2].GetDateTimeOffset()));
            }
        }
        return deliveries;
    }

    private static async Task<Job?> GetAsync(NpgsqlConnection connection, Guid jobId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"select {Columns} from jobs where id = $1", connection);
        command.Parameters.Add(new() { Value = jobId });
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
            Spec: new JobSpec(reader.GetString(o + 3), reader.GetString(o + 4), reader.GetString(o + 5), reader.GetString(o + 6),
                reader.GetString(o + 20), reader.GetFloat(o + 21), reader.GetBoolean(o + 22), reader.GetBoolean(o + 23)),
            Attempts: reader.GetInt32(o + 7),
            Engine: reader.IsDBNull(o + 8) ? null : reader.GetString(o + 8),
            Model: reader.IsDBNull(o + 9) ? null : reader.GetString(o + 9),
            Error: reader.IsDBNull(o + 10) ? null : reader.GetString(o + 10),
            Result: result,
            CreatedAt: reader.GetFieldValue<DateTimeOffset>(o + 15),
            StartedAt: reader.IsDBNull(o + 16) ? null : reader.GetFieldValue<DateTimeOffset>(o + 16),
            FinishedAt: reader.IsDBNull(o + 17) ? null : reader.GetFieldValue<DateTimeOffset>(o + 17),
            CallbackUrl: reader.IsDBNull(o + 18) ? null : reader.GetString(o + 18),
            CancelRequestedAt: reader.IsDBNull(o + 19) ? null : reader.GetFieldValue<DateTimeOffset>(o + 19),
            ResultDeletedAt: reader.IsDBNull(o + 24) ? null : reader.GetFieldValue<DateTimeOffset>(o + 24));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job state committed, but its live event or webhook schedule could not be sent; the reconciler will catch up")]
    private static partial void LogAnnounceFailed(ILogger logger, Exception exception);
}
