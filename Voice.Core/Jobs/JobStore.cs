using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;
using Voice.Core.Database;
using Voice.Core.Webhooks;

namespace Voice.Core.Jobs;

/// <summary>
/// The jobs ledger in Postgres: the truth about every job. The queue only delivers. A job exists once its
/// row is committed; claims live in Redis (<see cref="JobQueue.ClaimManyAsync"/>), so the row stays queued while a
/// worker runs it and only a queued row can finish: a job has one result however many attempts ran. Finishing commits the status, the usage record (unique per
/// job) and the webhook deliveries in one statement (the outbox); live events and the delivery schedule
/// follow the commit. Submissions, claims and completions are batched: many jobs, of any tenants, in one
/// round trip and one transaction, each statement in its own tenant's row-level-security scope.
/// Submitting, reading, claiming and finishing each have their own partial file.
/// </summary>
public sealed partial class JobStore(TenantDatabase database, JobEvents events, WebhookSchedule schedule, TimeProvider clock, ILogger<JobStore> logger)
{
    public static readonly TimeSpan IdempotencyWindow = TimeSpan.FromHours(24);

    /// <summary>A merged claim or completion holds at most this many jobs (the worker's slots' batches, coalesced).</summary>
    private const int MaxGroup = 512;

    private GroupCommit<(QueueClaim Claim, int MaxAttempts), ClaimOutcome>? _claiming;
    private GroupCommit<(Completion Completion, string? TraceParent), bool>? _completing;

    // Concurrent claims and completions (a worker's slots, the settler's batches) share round trips: see GroupCommit.
    private GroupCommit<(QueueClaim Claim, int MaxAttempts), ClaimOutcome> Claiming =>
        LazyInitializer.EnsureInitialized(ref _claiming, () => new(items => ClaimBatchAsync(items), MaxGroup));
    private GroupCommit<(Completion Completion, string? TraceParent), bool> Completing =>
        LazyInitializer.EnsureInitialized(ref _completing, () => new(items => CompleteBatchAsync(items), MaxGroup));

    private const string Columns = """
        id, tenant_id, status, text, language, voice, format, attempts, engine, model, error::text,
        result_path, result_bytes, duration_ms, sample_rate, created_at, started_at, finished_at, callback_url, cancel_requested_at, kind, speed, stream, word_timestamps, result_deleted_at, pool,
        requested_sample_rate, seed, streaming_latency, previous_text, next_text, dialogue::text, turn_starts_ms
        """;

    /// <summary>How many fields <see cref="Columns"/> reads; statements add theirs after these.</summary>
    private const int ColumnCount = 33;

    /// <summary>
    /// Turns the <c>finished</c> CTE (id, tenant_id, callback_url, event, data) into webhook deliveries — one per
    /// subscribed, enabled endpoint and one for the task's callback_url — inside the same statement. Each delivery
    /// keeps the trace context the transaction declared (<c>voice.trace_parent</c>).
    /// </summary>
    private static readonly string Outbox = OutboxWith("nullif(current_setting('voice.trace_parent', true), '')");

    /// <summary>The outbox, each delivery keeping the trace context <paramref name="traceParent"/> gives (an expression over <c>finished f</c>).</summary>
    private static string OutboxWith(string traceParent) => $"""
        deliveries as (
            insert into webhook_deliveries (id, tenant_id, webhook_id, job_id, event, url, payload, trace_parent)
            select d.id, d.tenant_id, d.webhook_id, d.job_id, d.event, d.url,
                   jsonb_build_object('id', d.id, 'type', d.event, 'created_at', now(), 'data', d.data), d.trace_parent
            from (select gen_random_uuid() as id, f.tenant_id, w.id as webhook_id, f.id as job_id, f.event, w.url, f.data, {traceParent} as trace_parent
                  from finished f join webhooks w on w.tenant_id = f.tenant_id and w.disabled_at is null and f.event = any(w.events)
                  union all
                  select gen_random_uuid(), f.tenant_id, null, f.id, f.event, f.callback_url, f.data, {traceParent}
                  from finished f where f.callback_url is not null) d
            on conflict (job_id, webhook_id, event) do nothing
            returning id, tenant_id, next_attempt_at),
        scheduled as (
            select coalesce(jsonb_agg(jsonb_build_array(id, tenant_id, next_attempt_at)), '[]'::jsonb) as list from deliveries)
        """;

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
            reader.GetString(o + 11), reader.GetInt64(o + 12), reader.GetInt32(o + 13), reader.GetInt32(o + 14),
            reader.IsDBNull(o + 32) ? null : reader.GetFieldValue<int[]>(o + 32));
        return new Job(
            Id: reader.GetGuid(o),
            TenantId: reader.GetGuid(o + 1),
            Status: reader.GetString(o + 2),
            Spec: new JobSpec(reader.GetString(o + 3), reader.GetString(o + 4), reader.GetString(o + 5), reader.GetString(o + 6),
                reader.GetString(o + 20), reader.GetFloat(o + 21), reader.GetBoolean(o + 22), reader.GetBoolean(o + 23),
                SampleRate: reader.IsDBNull(o + 26) ? null : reader.GetInt32(o + 26),
                Seed: reader.IsDBNull(o + 27) ? null : reader.GetInt32(o + 27),
                StreamingLatency: reader.IsDBNull(o + 28) ? null : reader.GetInt16(o + 28),
                PreviousText: reader.IsDBNull(o + 29) ? null : reader.GetString(o + 29),
                NextText: reader.IsDBNull(o + 30) ? null : reader.GetString(o + 30),
                Dialogue: reader.IsDBNull(o + 31) ? null : DialogueScript.FromJson(reader.GetString(o + 31))),
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
            ResultDeletedAt: reader.IsDBNull(o + 24) ? null : reader.GetFieldValue<DateTimeOffset>(o + 24),
            Pool: reader.IsDBNull(o + 25) ? null : reader.GetString(o + 25));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job state committed, but its live event or webhook schedule could not be sent; the reconciler will catch up")]
    private static partial void LogAnnounceFailed(ILogger logger, Exception exception);
}
