using System.Diagnostics;
using StackExchange.Redis;

namespace Voice.Core.Jobs;

/// <summary>A delivered queue entry: which pool's, which job, whose, the trace it belongs to, and whether it came from the live lane.</summary>
public sealed record QueueEntry(string Pool, Guid TenantId, RedisValue EntryId, Guid JobId, ActivityContext TraceParent, bool Live = false)
{
    /// <summary>The stream the entry is in.</summary>
    public RedisKey LaneKey => Live ? new QueueKeys(Pool).LiveLane : new QueueKeys(Pool).Lane(TenantId);
}

/// <summary>
/// Delivery of jobs through Redis Streams. Each pool (the workers serving one engine and model) has its own queue
/// (<see cref="QueueKeys"/>): one stream ("lane") per tenant, read by one consumer group, so a job waits only
/// for workers that can speak it and one pool's backlog never delays another's.
/// Postgres holds the truth; an entry only says "job X is ready". Fairness: workers pick with weighted
/// round-robin over their pool's lanes (see <see cref="QueueScripts.Pick"/>), so one tenant's burst waits behind
/// every other tenant's next job instead of in front of it; plans set the weight. Jobs someone is waiting on
/// as they are spoken (the streaming routes) go to the pool's live lane that is picked ahead of the rotation, so
/// a request's first audio does not queue behind anybody's batch work. The live lane is FIFO and bounded two ways
/// against a tenant that holds many streams: each tenant has at most <see cref="QueueOptions.LiveJobsPerTenant"/>
/// entries in it (more wait in the tenant's own lane, in the fair rotation), and after
/// <see cref="QueueOptions.LiveBurst"/> live picks in a row the rotation gets one, so queued work keeps moving.
/// Delivery is at least once: an entry stays pending until acknowledged, a crashed worker's entries are
/// reclaimed by its pool's other workers after <see cref="VisibilityTimeout"/>, and the ledger's claim epochs turn
/// that into exactly one committed result. Producers publish on the pool's wake channel so idle workers react at
/// once (StackExchange.Redis issues no blocking reads).
/// </summary>
public sealed partial class JobQueue(IConnectionMultiplexer redis, Microsoft.Extensions.Options.IOptions<QueueOptions> options)
{
    public const string ConsumerGroup = "voice-workers";

    /// <summary>How long a pending entry may go without a heartbeat before another worker takes it over.</summary>
    public TimeSpan VisibilityTimeout => options.Value.VisibilityTimeout;

    /// <summary>Jobs that ran out of attempts, every pool's (each entry names its pool).</summary>
    private static readonly RedisKey DeadLetters = "{voice}:dead";

    private IDatabase Db => redis.GetDatabase();

    /// <summary>A job to put in its pool's tenant lane (or live lane), with the trace its submission belongs to.</summary>
    public sealed record Item(string Pool, Guid JobId, Guid TenantId, int Weight, string? TraceParent, bool Live = false);

    /// <summary>Adds jobs to their pools' and tenants' lanes, one call per pool (once each: a job with an entry is not added again).</summary>
    public async Task EnqueueManyAsync(IReadOnlyList<Item> jobs, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        foreach (var pool in jobs.GroupBy(j => j.Pool, StringComparer.Ordinal))
        {
            var k = new QueueKeys(pool.Key);
            RedisKey[] keys = [k.Lanes, k.Members, k.Known, k.Weights, k.Inflight, k.Credits, k.Enqueued, k.Sequence, k.LiveCount, k.LiveLane];
            RedisValue[] values = [ConsumerGroup, k.LanePrefix, options.Value.LiveJobsPerTenant, .. pool.SelectMany(j => new RedisValue[] { j.TenantId.ToString("N"), j.JobId.ToString("N"), j.Weight, j.TraceParent ?? "", j.Live ? 1 : 0 })];
            await Db.ScriptEvaluateAsync(QueueScripts.Enqueue, keys, values).ConfigureAwait(false);
            await Db.PublishAsync(k.WakeChannel, "1", CommandFlags.FireAndForget).ConfigureAwait(false);
        }
    }

    public Task EnqueueAsync(string pool, Guid jobId, Guid tenantId, int weight, CancellationToken cancellationToken, bool live = false) =>
        EnqueueManyAsync([new Item(pool, jobId, tenantId, weight, Activity.Current?.Id, live)], cancellationToken);

    /// <summary>
    /// Picks up to <paramref name="count"/> entries: live ones first (but the rotation gets one pick after every
    /// <see cref="QueueOptions.LiveBurst"/> live picks while tenant lanes wait), then by weighted round-robin over the tenants' lanes.
    /// </summary>
    /// <param name="passOver">Tenants whose lanes this pick skips (they already hold their share of the picking worker).</param>
    public async Task<IReadOnlyList<QueueEntry>> PickManyAsync(string pool, string consumer, int count, IReadOnlyCollection<Guid>? passOver = null)
    {
        var k = new QueueKeys(pool);
        RedisValue[] arguments = [ConsumerGroup, consumer, k.LanePrefix, count, 16, options.Value.LiveBurst, .. (passOver ?? []).Select(t => (RedisValue)t.ToString("N"))];
        var result = (RedisResult[])(await Db.ScriptEvaluateAsync(QueueScripts.Pick,
            [k.Lanes, k.Members, k.Credits, k.Weights, k.Known, k.Picked, k.LiveLane, k.LiveStreak], arguments).ConfigureAwait(false))!;
        var entries = new List<QueueEntry>(result.Length / 4);
        for (int i = 0; i + 3 < result.Length; i += 4)
        {
            var fields = (RedisResult[])result[i + 2]!;
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int f = 0; f + 1 < fields.Length; f += 2)
            {
                values[fields[f].ToString()!] = fields[f + 1].ToString()!;
            }
            if (Guid.TryParseExact(result[i].ToString(), "N", out var tenantId)
                && Parse(pool, tenantId, (RedisValue)result[i + 1], values, live: (int)result[i + 3] == 1) is { } entry)
            {
                entries.Add(entry);
            }
        }
        return entries;
    }

    /// <summary>Acknowledges finished entries and deletes them from their lanes, one call per pool.</summary>
    public async Task AcknowledgeManyAsync(IReadOnlyList<QueueEntry> entries)
    {
        foreach (var pool in entries.GroupBy(e => e.Pool, StringComparer.Ordinal))
        {
            var k = new QueueKeys(pool.Key);
            RedisKey[] keys = [k.Inflight, k.Members, k.Known, k.Sequence, k.LiveCount, k.Claims, .. pool.Select(e => e.LaneKey)];
            RedisValue[] values = [ConsumerGroup, .. pool.SelectMany(e => new RedisValue[] { e.EntryId, e.JobId.ToString("N"), e.TenantId.ToString("N"), e.Live ? 1 : 0 })];
            await Db.ScriptEvaluateAsync(QueueScripts.Acknowledge, keys, values).ConfigureAwait(false);
        }
    }

    public Task AcknowledgeAsync(QueueEntry entry) => AcknowledgeManyAsync([entry]);

    /// <summary>
    /// Keeps an entry this consumer is still working on from being reclaimed (resets its idle time).
    /// Long jobs call this well within <see cref="VisibilityTimeout"/>.
    /// </summary>
    public Task HeartbeatAsync(QueueEntry entry, string consumer) =>
        Db.StreamClaimIdsOnlyAsync(entry.LaneKey, ConsumerGroup, consumer, 0, [entry.EntryId]);

    /// <summary>Takes over the pool's entries that other consumers have held longer than the visibility timeout (live ones first).</summary>
    public async Task<IReadOnlyList<QueueEntry>> ReclaimAsync(string pool, string consumer, int max)
    {
        var k = new QueueKeys(pool);
        var reclaimed = new List<QueueEntry>();
        await ReclaimLaneAsync(pool, k.LiveLane, null, consumer, max, reclaimed).ConfigureAwait(false);
        await foreach (var member in Db.SetScanAsync(k.Known, pageSize: 200).ConfigureAwait(false))
        {
            if (reclaimed.Count >= max)
            {
                break;
            }
            if (Guid.TryParseExact(member.ToString(), "N", out var tenantId))
            {
                await ReclaimLaneAsync(pool, k.Lane(tenantId), tenantId, consumer, max, reclaimed).ConfigureAwait(false);
            }
        }
        return reclaimed;
    }

    /// <summary>Claims a lane's overdue entries into <paramref name="reclaimed"/>; a tenant lane knows its tenant, the live lane reads it from each entry.</summary>
    private async Task ReclaimLaneAsync(string pool, RedisKey lane, Guid? tenantId, string consumer, int max, List<QueueEntry> reclaimed)
    {
        StreamAutoClaimResult claim;
        try
        {
            claim = await Db.StreamAutoClaimAsync(lane, ConsumerGroup, consumer,
                (long)VisibilityTimeout.TotalMilliseconds, "0-0", max - reclaimed.Count).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("NOGROUP", StringComparison.Ordinal))
        {
            return; // the lane was deleted between the scan and the claim (or no live job was ever queued)
        }
        foreach (var entry in claim.ClaimedEntries)
        {
            if (entry.IsNull)
            {
                continue;
            }
            var fields = entry.Values.ToDictionary(v => v.Name.ToString(), v => v.Value.ToString(), StringComparer.Ordinal);
            Guid tenant = tenantId ?? (Guid.TryParseExact(fields.GetValueOrDefault("tenant"), "N", out var t) ? t : Guid.Empty);
            if (tenant != Guid.Empty && Parse(pool, tenant, entry.Id, fields, live: tenantId is null) is { } parsed)
            {
                reclaimed.Add(parsed);
            }
            else
            {
                await Db.StreamAcknowledgeAsync(lane, ConsumerGroup, entry.Id).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// How many of the tenant's jobs are ahead of this one in its lane (from the lane's enqueue and pick
    /// counters; jobs canceled while queued still count until they are skipped). Null when unknown.
    /// </summary>
    public async Task<long?> PositionAsync(string pool, Guid tenantId, Guid jobId)
    {
        var k = new QueueKeys(pool);
        var sequence = Db.HashGetAsync(k.Sequence, jobId.ToString("N"));
        var picked = Db.HashGetAsync(k.Picked, tenantId.ToString("N"));
        if ((await sequence.ConfigureAwait(false)) is not { HasValue: true } seq)
        {
            return null;
        }
        long ahead = (long)seq - (long)((await picked.ConfigureAwait(false)) is { HasValue: true } p ? (long)p : 0) - 1;
        return Math.Max(0, ahead);
    }

    /// <summary>Entries in the lanes (waiting or being worked on), and how old the oldest is.</summary>
    public sealed record Stats(long TenantDepth, long LiveDepth, double OldestSeconds);

    /// <summary>
    /// A pool's queue depth and lag, for gauges and its autoscaler: one pipelined round of XLEN and the oldest entry
    /// per lane (acknowledged entries are deleted, so the oldest left is the longest waiting or running).
    /// </summary>
    public async Task<Stats> StatsAsync(string pool)
    {
        var db = Db;
        var k = new QueueKeys(pool);
        var lanes = (await db.SetMembersAsync(k.Known).ConfigureAwait(false))
            .Select(m => Guid.TryParseExact(m.ToString(), "N", out var t) ? (Guid?)t : null)
            .OfType<Guid>()
            .Select(k.Lane)
            .Append(k.LiveLane)
            .ToList();
        var lengths = lanes.Select(l => db.StreamLengthAsync(l)).ToList();
        var heads = lanes.Select(l => db.StreamRangeAsync(l, "-", "+", count: 1)).ToList();
        await Task.WhenAll(lengths.Cast<Task>().Concat(heads)).ConfigureAwait(false);
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        double oldest = heads.Select(h => h.Result).Where(h => h.Length > 0)
            .Select(h => (now - long.Parse(h[0].Id.ToString().Split('-')[0], System.Globalization.CultureInfo.InvariantCulture)) / 1000.0)
            .DefaultIfEmpty(0).Max();
        return new Stats(lengths.Take(lanes.Count - 1).Sum(l => l.Result), lengths[^1].Result, Math.Max(0, oldest));
    }

    /// <summary>Whether the job has an entry (pending or waiting) in its pool's lanes; false after Redis lost its data.</summary>
    public Task<bool> IsInFlightAsync(string pool, Guid jobId) => Db.HashExistsAsync(new QueueKeys(pool).Inflight, jobId.ToString("N"));

    /// <summary>Records a job that ran out of attempts, for an operator to inspect and requeue.</summary>
    public Task DeadLetterAsync(QueueEntry entry, int attempts, string reason) =>
        Db.StreamAddAsync(DeadLetters,
            [
                new("job", entry.JobId.ToString("N")),
                new("tenant", entry.TenantId.ToString("N")),
                new("pool", entry.Pool),
                new("attempts", attempts),
                new("reason", reason),
                new("at", DateTimeOffset.UtcNow.ToUnixTimeSeconds()),
            ],
            maxLength: 100_000, useApproximateMaxLength: true);

    /// <summary>A dead letter; <see cref="Pool"/> is empty for one recorded before pools existed.</summary>
    public sealed record DeadLetter(string Id, Guid JobId, Guid TenantId, int Attempts, string Reason, DateTimeOffset At, string Pool);

    public async Task<IReadOnlyList<DeadLetter>> ListDeadLettersAsync(int count)
    {
        var entries = await Db.StreamRangeAsync(DeadLetters, count: count, messageOrder: Order.Descending).ConfigureAwait(false);
        return [.. entries.Select(ReadDeadLetter)];
    }

    public async Task<DeadLetter?> TakeDeadLetterAsync(string id)
    {
        var entries = await Db.StreamRangeAsync(DeadLetters, id, id).ConfigureAwait(false);
        if (entries.Length == 0 || await Db.StreamDeleteAsync(DeadLetters, [id]).ConfigureAwait(false) == 0)
        {
            return null; // gone, or another operator took it first
        }
        return ReadDeadLetter(entries[0]);
    }

    private static DeadLetter ReadDeadLetter(StreamEntry e) => new(
        e.Id.ToString(),
        Guid.ParseExact(e["job"].ToString(), "N"),
        Guid.ParseExact(e["tenant"].ToString(), "N"),
        (int)e["attempts"],
        e["reason"].ToString(),
        DateTimeOffset.FromUnixTimeSeconds((long)e["at"]),
        e["pool"].IsNull ? "" : e["pool"].ToString());

    private static QueueEntry? Parse(string pool, Guid tenantId, RedisValue entryId, IReadOnlyDictionary<string, string> fields, bool live)
    {
        if (!fields.TryGetValue("job", out var job) || !Guid.TryParseExact(job, "N", out var jobId))
        {
            return null;
        }
        ActivityContext.TryParse(fields.GetValueOrDefault("traceparent"), null, out var parent);
        return new QueueEntry(pool, tenantId, entryId, jobId, parent, live);
    }
}
