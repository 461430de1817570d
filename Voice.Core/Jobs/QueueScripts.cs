namespace Voice.Core.Jobs;

/// <summary>
/// The queue's atomic steps, as Lua run inside Redis. All keys share the <c>{voice}</c> hash tag, so on a
/// Redis Cluster they live in one slot and the scripts may touch lanes by name.
/// </summary>
internal static class QueueScripts
{
    /// <summary>
    /// KEYS: lane, lanes, members, known, weights, inflight, credits. ARGV: tenant, job, weight, traceparent, group.
    /// Adds the job to its tenant's lane (creating lane and group on first use) and the tenant to the rotation.
    /// A job that already has an entry is not added twice (the reconciler may enqueue again).
    /// </summary>
    public const string Enqueue = """
        local lane, lanes, members, known, weights, inflight, credits = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
        local tenant, job, weight, traceparent, group = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
        local existing = redis.call('HGET', inflight, job)
        if existing then return existing end
        if redis.call('EXISTS', lane) == 0 then
          redis.pcall('XGROUP', 'CREATE', lane, group, '0', 'MKSTREAM')
        end
        redis.call('SADD', known, tenant)
        local id = redis.call('XADD', lane, '*', 'job', job, 'tenant', tenant, 'traceparent', traceparent)
        redis.call('HSET', inflight, job, id)
        redis.call('HSET', weights, tenant, weight)
        if redis.call('SADD', members, tenant) == 1 then
          redis.call('RPUSH', lanes, tenant)
          redis.call('HSET', credits, tenant, weight)
        end
        return id
        """;

    /// <summary>
    /// KEYS: lanes, members, credits, weights, known. ARGV: group, consumer, lane prefix, lanes to look at.
    /// Weighted round-robin over tenant lanes: the tenant at the head of the rotation gets up to its weight in
    /// consecutive picks, then moves to the tail. A lane with nothing new leaves the rotation (the next
    /// enqueue puts it back); an empty lane with nothing pending is deleted.
    /// Returns {tenant, entry id, fields} or false.
    /// </summary>
    public const string Pick = """
        local lanes, members, credits, weights, known = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
        local group, consumer, prefix, scans = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
        for i = 1, scans do
          local tenant = redis.call('LINDEX', lanes, 0)
          if not tenant then return false end
          local lane = prefix .. tenant
          local read = redis.pcall('XREADGROUP', 'GROUP', group, consumer, 'COUNT', 1, 'STREAMS', lane, '>')
          if type(read) == 'table' and read.err then
            redis.pcall('XGROUP', 'CREATE', lane, group, '0', 'MKSTREAM')
            read = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', 1, 'STREAMS', lane, '>')
          end
          if read and read[1] and #read[1][2] > 0 then
            local entry = read[1][2][1]
            if redis.call('HEXISTS', credits, tenant) == 0 then
              redis.call('HSET', credits, tenant, redis.call('HGET', weights, tenant) or 1)
            end
            if redis.call('HINCRBY', credits, tenant, -1) <= 0 then
              redis.call('LMOVE', lanes, lanes, 'LEFT', 'RIGHT')
              redis.call('HSET', credits, tenant, redis.call('HGET', weights, tenant) or 1)
            end
            return {tenant, entry[1], entry[2]}
          end
          redis.call('LPOP', lanes)
          redis.call('SREM', members, tenant)
          redis.call('HDEL', credits, tenant)
          if redis.call('XLEN', lane) == 0 then
            redis.call('DEL', lane)
            redis.call('SREM', known, tenant)
          end
        end
        return false
        """;

    /// <summary>
    /// KEYS: lane, inflight, members, known. ARGV: group, entry id, job, tenant.
    /// Acknowledges and deletes the entry (acknowledged entries are never needed again), forgets the job's
    /// in-flight marker, and deletes the lane when it is empty and out of the rotation.
    /// </summary>
    public const string Acknowledge = """
        local lane, inflight, members, known = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
        local group, id, job, tenant = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
        redis.call('XACK', lane, group, id)
        redis.call('XDEL', lane, id)
        if redis.call('HGET', inflight, job) == id then redis.call('HDEL', inflight, job) end
        if redis.call('XLEN', lane) == 0 and redis.call('SISMEMBER', members, tenant) == 0 then
          redis.call('DEL', lane)
          redis.call('SREM', known, tenant)
        end
        return 1
        """;
}
