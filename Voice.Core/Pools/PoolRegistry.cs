using System.Text.Json;
using StackExchange.Redis;

namespace Voice.Core.Pools;

/// <summary>
/// The live pools, in Redis: each worker announces its pool on a heartbeat, as a member "pool|worker" of a sorted
/// set scored by when the announcement expires, and the pool's description in a hash. A pool is live while any of
/// its workers' announcements is; a worker that dies drops out when its last heartbeat expires, one that stops
/// cleanly withdraws at once.
/// </summary>
public sealed class PoolRegistry(IConnectionMultiplexer redis, TimeProvider clock)
{
    private static readonly RedisKey Alive = "{voice}:pools:alive";
    private static readonly RedisKey Descriptions = "{voice}:pools:descriptions";

    /// <summary>Pool names: letters, digits, dots and dashes (they name Kubernetes objects and metric labels too).</summary>
    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 40 && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.');

    public async Task AnnounceAsync(PoolAnnouncement pool, string worker, TimeSpan ttl)
    {
        var db = redis.GetDatabase();
        long expires = (clock.GetUtcNow() + ttl).ToUnixTimeMilliseconds();
        await Task.WhenAll(
            db.HashSetAsync(Descriptions, pool.Name, JsonSerializer.Serialize(pool)),
            db.SortedSetAddAsync(Alive, Member(pool.Name, worker), expires)).ConfigureAwait(false);
    }

    public Task WithdrawAsync(string pool, string worker) => redis.GetDatabase().SortedSetRemoveAsync(Alive, Member(pool, worker));

    /// <summary>How long an expired announcement is kept (for <see cref="LiveAsync"/>'s <c>within</c>) before it is deleted.</summary>
    public static readonly TimeSpan Memory = TimeSpan.FromHours(1);

    /// <summary>
    /// The pools with at least one live worker, by name; with <paramref name="within"/>, also those whose last worker
    /// went away no longer ago than that (a pool restarting still serves: its jobs wait for it), with 0 workers.
    /// </summary>
    public async Task<IReadOnlyList<LivePool>> LiveAsync(TimeSpan within = default)
    {
        var db = redis.GetDatabase();
        long now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var members = await db.SortedSetRangeByScoreWithScoresAsync(Alive, now - (long)within.TotalMilliseconds, double.PositiveInfinity).ConfigureAwait(false);
        var workers = members.Select(m => (Member: m.Element.ToString(), Alive: m.Score >= now))
            .Select(m => (Name: m.Member[..Math.Max(0, m.Member.IndexOf('|', StringComparison.Ordinal))], m.Alive))
            .Where(m => IsValidName(m.Name)).GroupBy(m => m.Name, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        if (workers.Count == 0)
        {
            return [];
        }
        var descriptions = await db.HashGetAsync(Descriptions, [.. workers.Select(g => (RedisValue)g.Key)]).ConfigureAwait(false);
        var live = new List<LivePool>(workers.Count);
        for (int i = 0; i < workers.Count; i++)
        {
            if (descriptions[i].HasValue && JsonSerializer.Deserialize<PoolAnnouncement>(descriptions[i].ToString()) is { } pool)
            {
                live.Add(new LivePool(pool, workers[i].Count(w => w.Alive)));
            }
        }
        await db.SortedSetRemoveRangeByScoreAsync(Alive, double.NegativeInfinity, now - (long)Memory.TotalMilliseconds, flags: CommandFlags.FireAndForget).ConfigureAwait(false);
        return live;
    }

    /// <summary>
    /// The pools whose description Redis holds (kept after their workers leave): a pool missing from
    /// <see cref="LiveAsync"/> but described here went away; one described nowhere was lost with Redis's data.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, PoolAnnouncement>> DescribedAsync()
    {
        var entries = await redis.GetDatabase().HashGetAllAsync(Descriptions).ConfigureAwait(false);
        var described = new Dictionary<string, PoolAnnouncement>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            if (JsonSerializer.Deserialize<PoolAnnouncement>(entry.Value.ToString()) is { } pool)
            {
                described[entry.Name.ToString()] = pool;
            }
        }
        return described;
    }

    private static RedisValue Member(string pool, string worker) => $"{pool}|{worker}";
}
