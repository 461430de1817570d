using System.Diagnostics;
using StackExchange.Redis;
using Voice.Core.Hosting;

namespace Voice.Core.Jobs;

/// <summary>A delivered queue entry: which job, whose, and the trace it belongs to.</summary>
public sealed record QueueEntry(Guid TenantId, RedisValue EntryId, Guid JobId, ActivityContext TraceParent);

/// <summary>
/// Delivery of jobs through Redis Streams, one stream ("lane") per tenant, read by one consumer group.
/// Postgres holds the truth; an entry only says "job X is ready". Fairness: workers pick with weighted
/// round-robin over the lanes (see <see cref="QueueScripts.Pick"/>), so one tenant's burst waits behind
/// every other tenant's next job instead of in front of it; plans set the weight.
/// Delivery is at least once: an entry stays pending until acknowledged, a crashed worker's entries are
/// reclaimed after <see cref="VisibilityTimeout"/>, and the ledger's claim epochs turn that into exactly
/// one committed result. Producers publish on a wake channel so idle workers react at once
/// (StackExchange.Redis issues no blocking reads).
/// </summary>
public sealed class JobQueue(IConnectionMultiplexer redis, Microsoft.Extensions.Options.IOptions<QueueOptions> options)
{
    public const string ConsumerGroup = "voice-workers";
    public const string LanePrefix = "{voice}:lane:";
    public static readonly RedisChannel WakeChannel = RedisChannel.Literal("voice:jobs:wake");

    /// <summary>How long a pending entry may go without a heartbeat before another worker takes it over.</summary>
    public TimeSpan VisibilityTimeout => options.Value.VisibilityTimeout;

    private static readonly RedisKey Lanes = "{voice}:lanes";
    private static readonly RedisKey Members = "{voice}:lanes:members";
    private static readonly RedisKey Known = "{voice}:lanes:known";
    private static readonly RedisKey Weights = "{voice}:lanes:weights";
    private static readonly RedisKey Credits = "{voice}:lanes:credits";
    private static readonly RedisKey Inflight = "{voice}:inflight";
    private static readonly RedisKey DeadLetters = "{voice}:dead";
    private static readonly RedisKey Enqueued = "{voice}:lanes:enqueued";
    private static readonly RedisKey Picked = "{voice}:lanes:picked";
    private static readonly RedisKey Sequence = "{voice}:sequence";

    private IDatabase Db => redis.GetDatabase();

    public static RedisKey Lane(Guid tenantId) => LanePrefix + tenantId.ToString("N");

    /// <summary>A job to put in its tenant's lane, with the trace its submission belongs to.</summary>
    public sealed record Item(Guid JobId, Guid TenantId, int Weight, string? TraceParent);

    /// <summary>Adds jobs to their tenants' lanes in one call (once each: a job with an entry is not added again).</summary>
    public async Task EnqueueManyAsync(IReadOnlyList<Item> jobs, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (jobs.Count == 0)
        {
            return;
        }
        RedisKey[] keys = [Lanes, Members, Known, Weights, Inflight, Credits, Enqueued, Sequence, .. jobs.Select(j => Lane(j.TenantId))];
        RedisValue[] values = [ConsumerGroup, .. jobs.SelectMany(j => new RedisValue[] { j.TenantId.ToString("N"), j.JobId.ToString("N"), j.Weight, j.TraceParent ?? "" })];
        await Db.ScriptEvaluateAsync(QueueScripts.Enqueue, keys, values).ConfigureAwait(false);
        await Db.PublishAsync(WakeChannel, "1", CommandFlags.FireAndForget).ConfigureAwait(false);
    }

    public Task EnqueueAsync(Guid jobId, Guid tenantId, int weight, CancellationToken cancellationToken) =>
        EnqueueManyAsync([new Item(jobId, tenantId, weight, Activity.Current?.Id)], cancellationToken);

    /// <summary>Picks up to <paramref name="count"/> entries by weighted round-robin over the tenants' lanes.</summary>
    public async Task<IReadOnlyList<QueueEntry>> PickManyAsync(string consumer, int count)
    {
        var result = (RedisResult[])(await Db.ScriptEvaluateAsync(QueueScripts.Pick,
            [Lanes, Members, Credits, Weights, Known, Picked],
            [ConsumerGroup, consumer, LanePrefix, count, 16]).ConfigureAwait(false))!;
        var entries = new List<QueueEntry>(result.Length / 3);
        for (int i = 0; i + 2 < result.Length; i += 3)
        {
            var fields = (RedisResult[])result[i + 2]!;
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int f = 0; f + 1 < fields.Length; f += 2)
            {
                values[fields[f].ToString()!] = fields[f + 1].ToString()!;
            }
            if (Parse(Guid.ParseExact(result[i].ToString()!, "N"), (RedisValue)result[i + 1], values) is { } entry)
            {
                entries.Add(entry);
            }
        }
        return entries;
    }

    /// <summary>Acknowledges finished entries and deletes them from their lanes, in one call.</summary>
    public Task AcknowledgeManyAsync(IReadOnlyList<QueueEntry> entries)
    {
        if (entries.Count == 0)
        {
            return Task.CompletedTask;
        }
        RedisKey[] keys = [Inflight, Members, Known, Sequence, .. entries.Select(e => Lane(e.TenantId))];
        RedisValue[] values = [ConsumerGroup, .. entries.SelectMany(e => new RedisValue[] { e.EntryId, e.JobId.ToString("N"), e.TenantId.ToString("N") })];
        return Db.ScriptEvaluateAsync(QueueScripts.Acknowledge, keys, values);
    }

    public Task AcknowledgeAsync(QueueEntry entry) => AcknowledgeManyAsync([entry]);

    /// <summary>
    /// Keeps an entry this consumer is still working on from being reclaimed (resets its idle time).
    /// Long jobs call this well within <see cref="VisibilityTimeout"/>.
    /// </summary>
    public Task HeartbeatAsync(QueueEntry entry, string consumer) =>
        Db.StreamClaimIdsOnlyAsync(Lane(entry.TenantId), ConsumerGroup, consumer, 0, [entry.EntryId]);

    /// <summary>
    /// Gives an entry back without finishing it (shutdown, transient failure): it is marked idle for a whole
    /// visibility timeout, so the next reclaim by any worker takes it at once.
    /// </summary>
    public Task ReleaseAsync(QueueEntry entry, string consumer) =>
        Db.ExecuteAsync("XCLAIM", Lane(entry.TenantId), ConsumerGroup, consumer, 0, entry.EntryId,
            "IDLE", (long)VisibilityTimeout.TotalMilliseconds, "JUSTID");

    /// <summary>Takes over entries that other consumers have held longer than the visibility timeout.</summary>
    public async Task<IReadOnlyList<QueueEntry>> ReclaimAsync(string consumer, int max)
    {
        var reclaimed = new List<QueueEntry>();
        await foreach (var member in Db.SetScanAsync(Known, pageSize: 200).ConfigureAwait(false))
        {
            if (!Guid.TryParseExact(member.ToString(), "N", out var tenantId))
            {
                continue;
            }
            StreamAutoClaimResult claim;
            try
            {
                claim = await Db.StreamAutoClaimAsync(Lane(tenantId), ConsumerGroup, consumer,
                    (long)VisibilityTimeout.TotalMilliseconds, "0-0", max - reclaimed.Count).ConfigureAwait(false);
            }
            catch (RedisServerException ex) when (ex.Message.StartsWith("NOGROUP", StringComparison.Ordinal))
            {
                continue; // the lane was deleted between the scan and the claim
            }
            foreach (var entry in claim.ClaimedEntries)
            {
                if (entry.IsNull)
                {
                    continue;
                }
                var fields = entry.Values.ToDictionary(v => v.Name.ToString(), v => v.Value.ToString(), StringComparer.Ordinal);
                if (Parse(tenantId, entry.Id, fields) is { } parsed)
                {
                    reclaimed.Add(parsed);
                }
                else
                {
                    await Db.StreamAcknowledgeAsync(Lane(tenantId), ConsumerGroup, entry.Id).ConfigureAwait(false);
                }
            }
            if (reclaimed.Count >= max)
            {
                break;
            }
        }
        return reclaimed;
    }

    /// <summary>
    /// How many of the tenant's jobs are ahead of this one in its lane (from the lane's enqueue and pick
    /// counters; jobs canceled while queued still count until they are skipped). Null when unknown.
    /// </summary>
    public async Task<long?> PositionAsync(Guid tenantId, Guid jobId)
    {
        var sequence = Db.HashGetAsync(Sequence, jobId.ToString("N"));
        var picked = Db.HashGetAsync(Picked, tenantId.ToString("N"));
        if ((await sequence.ConfigureAwait(false)) is not { HasValue: true } seq)
        {
            return null;
        }
        long ahead = (long)seq - (long)((await picked.ConfigureAwait(false)) is { HasValue: true } p ? (long)p : 0) - 1;
        return Math.Max(0, ahead);
    }

    /// <summary>Whether the job has an entry (pending or waiting) in Redis; false after Redis lost its data.</summary>
    public Task<bool> IsInFlightAsync(Guid jobId) => Db.HashExistsAsync(Inflight, jobId.ToString("N"));

    /// <summary>Records a job that ran out of attempts, for an operator to inspect and requeue.</summary>
    public Task DeadLetterAsync(QueueEntry entry, int attempts, string reason) =>
        Db.StreamAddAsync(DeadLetters,
            [
                new("job", entry.JobId.ToString("N")),
                new("tenant", entry.TenantId.ToString("N")),
                new("attempts", attempts),
                new("reason", reason),
                new("at", DateTimeOffset.UtcNow.ToUnixTimeSeconds()),
            ],
            maxLength: 100_000, useApproximateMaxLength: true);

    public sealed record DeadLetter(string Id, Guid JobId, Guid TenantId, int Attempts, string Reason, DateTimeOffset At);

    public async Task<IReadOnlyList<DeadLetter>> ListDeadLettersAsync(int count)
    {
        var entries = await Db.StreamRangeAsync(DeadLetters, count: count, messageOrder: Order.Descending).ConfigureAwait(false);
        return [.. entries.Select(e => new DeadLetter(
            e.Id.ToString(),
            Guid.ParseExact(e["job"].ToString(), "N"),
            Guid.ParseExact(e["tenant"].ToString(), "N"),
            (int)e["attempts"],
            e["reason"].ToString(),
            DateTimeOffset.FromUnixTimeSeconds((long)e["at"])))];
    }

    public async Task<DeadLetter?> TakeDeadLetterAsync(string id)
    {
        var entries = await Db.StreamRangeAsync(DeadLetters, id, id).ConfigureAwait(false);
        if (entries.Length == 0 || await Db.StreamDeleteAsync(DeadLetters, [id]).ConfigureAwait(false) == 0)
        {
            return null; // gone, or another operator took it first
        }
        var e = entries[0];
        return new DeadLetter(id, Guid.ParseExact(e["job"].ToString(), "N"), Guid.ParseExact(e["tenant"].ToString(), "N"),
            (int)e["attempts"], e["reason"].ToString(), DateTimeOffset.FromUnixTimeSeconds((long)e["at"]));
    }

    private static QueueEntry? Parse(Guid tenantId, RedisValue entryId, IReadOnlyDictionary<string, string> fields)
    {
        if (!fields.TryGetValue("job", out var job) || !Guid.TryParseExact(job, "N", out var jobId))
        {
            return null;
        }
        ActivityContext.TryParse(fields.GetValueOrDefault("traceparent"), null, out var parent);
        return new QueueEntry(tenantId, entryId, jobId, parent);
    }
}
