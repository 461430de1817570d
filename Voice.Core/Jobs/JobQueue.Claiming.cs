using StackExchange.Redis;

namespace Voice.Core.Jobs;

/// <summary>An entry a worker holds for one attempt: its epoch (every claim's is new) and which attempt this is.</summary>
public sealed record QueueClaim(QueueEntry Entry, int Epoch, int Attempt, DateTimeOffset At);

/// <summary>What Redis says of a job's claim: its latest epoch and attempts, and since when a worker holds it (null: handed back).</summary>
public sealed record ClaimState(int Epoch, int Attempts, DateTimeOffset? HeldSince);

/// <summary>
/// Claims live in Redis only (the pool's claims hash, field = job): the ledger row stays <c>queued</c> while a
/// worker runs it, and its one finishing update records the epoch, attempts and start. Postgres stays the arbiter
/// (only a queued row can finish, once); the epoch here fences a stale worker before it commits.
/// </summary>
public sealed partial class JobQueue
{
    /// <summary>KEYS: claims. ARGV: now (ms), then job ids. Bumps each job's epoch and attempts and marks it held; returns (epoch, attempts) pairs.</summary>
    private const string ClaimScript = """
        local out = {}
        for i = 2, #ARGV do
          local e, a = string.match(redis.call('HGET', KEYS[1], ARGV[i]) or '0,0,0', '^(%d+),(%d+)')
          e, a = tonumber(e) + 1, tonumber(a) + 1
          redis.call('HSET', KEYS[1], ARGV[i], e .. ',' .. a .. ',' .. ARGV[1])
          out[#out + 1] = e
          out[#out + 1] = a
        end
        return out
        """;

    /// <summary>KEYS: claims. ARGV: job, whether the attempt counts (1/0). Marks the claim handed back; an uncounted attempt is given back too.</summary>
    private const string ReleaseScript = """
        local v = redis.call('HGET', KEYS[1], ARGV[1])
        if not v then return 0 end
        local e, a = string.match(v, '^(%d+),(%d+)')
        a = tonumber(a)
        if ARGV[2] == '0' and a > 0 then a = a - 1 end
        redis.call('HSET', KEYS[1], ARGV[1], e .. ',' .. a .. ',0')
        return 1
        """;

    /// <summary>Claims delivered entries for an attempt each, one call per pool.</summary>
    public async Task<IReadOnlyList<QueueClaim>> ClaimManyAsync(IReadOnlyList<QueueEntry> entries)
    {
        var claims = new List<QueueClaim>(entries.Count);
        var now = DateTimeOffset.UtcNow;
        foreach (var pool in entries.GroupBy(e => e.Pool, StringComparer.Ordinal))
        {
            var list = pool.ToList();
            RedisValue[] values = [now.ToUnixTimeMilliseconds(), .. list.Select(e => (RedisValue)e.JobId.ToString("N"))];
            var result = (RedisResult[])(await Db.ScriptEvaluateAsync(ClaimScript, [new QueueKeys(pool.Key).Claims], values).ConfigureAwait(false))!;
            for (int i = 0; i < list.Count; i++)
            {
                claims.Add(new QueueClaim(list[i], (int)result[2 * i], (int)result[2 * i + 1], now));
            }
        }
        return claims;
    }

    /// <summary>
    /// Gives an entry back without finishing it (shutdown, transient failure): it is marked idle for a whole
    /// visibility timeout, so the next reclaim by any worker takes it at once. A shutdown's attempt is not counted.
    /// </summary>
    public async Task ReleaseAsync(QueueEntry entry, string consumer, bool countAttempt = true)
    {
        await Db.ScriptEvaluateAsync(ReleaseScript, [new QueueKeys(entry.Pool).Claims], [entry.JobId.ToString("N"), countAttempt ? 1 : 0]).ConfigureAwait(false);
        await Db.ExecuteAsync("XCLAIM", entry.LaneKey, ConsumerGroup, consumer, 0, entry.EntryId,
            "IDLE", (long)VisibilityTimeout.TotalMilliseconds, "JUSTID").ConfigureAwait(false);
    }

    /// <summary>Which of the claims are still their jobs' latest (a newer claim supersedes a stale worker's).</summary>
    public async Task<IReadOnlySet<Guid>> CurrentAsync(IReadOnlyList<(QueueEntry Entry, int Epoch)> held)
    {
        var current = new HashSet<Guid>();
        foreach (var pool in held.GroupBy(h => h.Entry.Pool, StringComparer.Ordinal))
        {
            var list = pool.ToList();
            var states = await ClaimsAsync(pool.Key, [.. list.Select(h => h.Entry.JobId)]).ConfigureAwait(false);
            // No claim at all: Redis lost it (a restart); the ledger's queued→finished update still decides.
            current.UnionWith(list.Where(h => states.GetValueOrDefault(h.Entry.JobId) is not { } s || s.Epoch == h.Epoch).Select(h => h.Entry.JobId));
        }
        return current;
    }

    /// <summary>The claims Redis holds for these jobs of one pool (a job never claimed, or finished, has none).</summary>
    public async Task<IReadOnlyDictionary<Guid, ClaimState>> ClaimsAsync(string pool, IReadOnlyList<Guid> jobIds)
    {
        if (jobIds.Count == 0)
        {
            return new Dictionary<Guid, ClaimState>();
        }
        var values = await Db.HashGetAsync(new QueueKeys(pool).Claims, [.. jobIds.Select(j => (RedisValue)j.ToString("N"))]).ConfigureAwait(false);
        var states = new Dictionary<Guid, ClaimState>();
        for (int i = 0; i < jobIds.Count; i++)
        {
            var parts = values[i].HasValue ? values[i].ToString().Split(',') : [];
            if (parts.Length == 3 && int.TryParse(parts[0], out int epoch) && int.TryParse(parts[1], out int attempts) && long.TryParse(parts[2], out long since))
            {
                states[jobIds[i]] = new ClaimState(epoch, attempts, since > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(since) : null);
            }
        }
        return states;
    }

    /// <summary>Whether a worker holds the job now (its ledger row says queued either way).</summary>
    public async Task<bool> IsHeldAsync(Job job) =>
        job.Pool is { } pool && (await ClaimsAsync(pool, [job.Id]).ConfigureAwait(false)).GetValueOrDefault(job.Id) is { HeldSince: not null };

    /// <summary>
    /// The job as its users see it: a queued row whose claim a worker holds is <c>running</c> (since the claim), and
    /// a queued row shows the attempts its claims used. Finished rows are the ledger's alone.
    /// </summary>
    public async Task<IReadOnlyList<Job>> WithClaimsAsync(IReadOnlyList<Job> jobs)
    {
        var shown = jobs.ToArray();
        foreach (var pool in jobs.Where(j => j is { Status: JobStatus.Queued, Pool: not null }).GroupBy(j => j.Pool!, StringComparer.Ordinal))
        {
            var states = await ClaimsAsync(pool.Key, [.. pool.Select(j => j.Id)]).ConfigureAwait(false);
            for (int i = 0; i < shown.Length; i++)
            {
                if (shown[i] is { Status: JobStatus.Queued } job && job.Pool == pool.Key && states.TryGetValue(job.Id, out var state))
                {
                    shown[i] = state.HeldSince is { } since
                        ? job with { Status = JobStatus.Running, Attempts = state.Attempts, StartedAt = since }
                        : job with { Attempts = state.Attempts };
                }
            }
        }
        return shown;
    }
}
