using StackExchange.Redis;

namespace Voice.Core.Jobs;

/// <summary>
/// The Redis keys of one pool's queue: its tenant lanes, live lane, rotation and counters. Pools never share a key,
/// so one pool's backlog, reclaims and repairs cannot touch another's. Every key carries the <c>{voice}</c> hash
/// tag: on a Redis Cluster they live in one slot and the queue's scripts may name lanes they were not passed.
/// </summary>
public sealed record QueueKeys(string Pool)
{
    private string Prefix => $"{{voice}}:q:{Pool}:";

    /// <summary>Lane streams are named by this prefix and the tenant id (or <c>live</c>).</summary>
    public string LanePrefix => Prefix + "lane:";

    public RedisKey Lane(Guid tenantId) => LanePrefix + tenantId.ToString("N");

    /// <summary>The lane of live jobs, every tenant's, picked first.</summary>
    public RedisKey LiveLane => LanePrefix + "live";

    public RedisKey Lanes => Prefix + "lanes";
    public RedisKey Members => Prefix + "lanes:members";
    public RedisKey Known => Prefix + "lanes:known";
    public RedisKey Weights => Prefix + "lanes:weights";
    public RedisKey Credits => Prefix + "lanes:credits";
    public RedisKey Enqueued => Prefix + "lanes:enqueued";
    public RedisKey Picked => Prefix + "lanes:picked";
    public RedisKey Inflight => Prefix + "inflight";
    public RedisKey Sequence => Prefix + "sequence";
    public RedisKey LiveCount => Prefix + "live:count";
    public RedisKey LiveStreak => Prefix + "live:streak";

    /// <summary>Each held job's claim (epoch, attempts, since when): the ledger is written only when the job finishes.</summary>
    public RedisKey Claims => Prefix + "claims";

    /// <summary>Producers publish here so the pool's idle workers pick at once.</summary>
    public RedisChannel WakeChannel => RedisChannel.Literal($"voice:jobs:wake:{Pool}");
}
