namespace Voice.Core.Jobs;

/// <summary>
/// The queue's atomic steps, as Lua run inside Redis; each handles many jobs per call. All keys share the
/// <c>{voice}</c> hash tag, so on a Redis Cluster they live in one slot and the scripts may touch lanes by name.
/// </summary>
internal static class QueueScripts
{
    /// <summary>
    /// KEYS: lanes, members, known, weights, inflight, credits, enqueued (per tenant), sequence (per job), then one lane per job.
    /// ARGV: group, then (tenant, job, weight, traceparent, live) per job.
    /// Adds each job to its lane (creating lane and group on first use): a tenant's lane, which joins the
    /// rotation, or for a live job (someone is waiting on its audio) the one live lane, which is picked before
    /// the rotation. A job that already has an entry is not added twice (the reconciler may enqueue again).
    /// </summary>
    public const string Enqueue = """
        local lanes, members, known, weights, inflight, credits, enqueued, sequence = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8]
        local group = ARGV[1]
        local ids = {}
        for i = 1, #KEYS - 8 do
          local lane = KEYS[8 + i]
          local a = 2 + (i - 1) * 5
          local tenant, job, weight, traceparent, live = ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4] == '1'
          local existing = redis.call('HGET', inflight, job)
          if existing then
            ids[i] = existing
          else
            if redis.call('EXISTS', lane) == 0 then
              redis.pcall('XGROUP', 'CREATE', lane, group, '0', 'MKSTREAM')
            end
            local id = redis.call('XADD', lane, '*', 'job', job, 'tenant', tenant, 'traceparent', traceparent)
            redis.call('HSET', inflight, job, id)
            if not live then
              redis.call('SADD', known, tenant)
              redis.call('HSET', sequence, job, redis.call('HINCRBY', enqueued, tenant, 1))
              redis.call('HSET', weights, tenant, weight)
              if redis.call('SADD', members, tenant) == 1 then
                redis.call('RPUSH', lanes, tenant)
                redis.call('HSET', credits, tenant, weight)
              end
            end
            ids[i] = id
          end
        end
        return ids
        """;

    /// <summary>
    /// KEYS: lanes, members, credits, weights, known, picked (per tenant), live lane. ARGV: group, consumer, lane prefix, how many, lanes to look at.
    /// Live jobs first, oldest first. Then weighted round-robin over tenant lanes: the tenant at the head of the
    /// rotation gets up to its weight in consecutive picks, then moves to the tail. A lane with nothing new
    /// leaves the rotation (the next enqueue puts it back); an empty lane with nothing pending is deleted.
    /// Returns a flat list of {tenant, entry id, fields, live} quadruples.
    /// </summary>
    public const string Pick = """
        local lanes, members, credits, weights, known, pickedCount, liveLane = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
        local group, consumer, prefix, wanted, scans = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
        local picked = {}
        local live = redis.pcall('XREADGROUP', 'GROUP', group, consumer, 'COUNT', wanted, 'STREAMS', liveLane, '>')
        if type(live) == 'table' and not live.err and live[1] then
          for _, entry in ipairs(live[1][2]) do
            local tenant = ''
            for f = 1, #entry[2], 2 do
              if entry[2][f] == 'tenant' then tenant = entry[2][f + 1] end
            end
            picked[#picked + 1] = tenant
            picked[#picked + 1] = entry[1]
            picked[#picked + 1] = entry[2]
            picked[#picked + 1] = 1
          end
        end
        local looked = 0
        while #picked < wanted * 4 and looked < scans do
          local tenant = redis.call('LINDEX', lanes, 0)
          if not tenant then break end
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
            redis.call('HINCRBY', pickedCount, tenant, 1)
            picked[#picked + 1] = tenant
            picked[#picked + 1] = entry[1]
            picked[#picked + 1] = entry[2]
            picked[#picked + 1] = 0
          else
            looked = looked + 1
            redis.call('LPOP', lanes)
            redis.call('SREM', members, tenant)
            redis.call('HDEL', credits, tenant)
            if redis.call('XLEN', lane) == 0 then
              redis.call('DEL', lane)
              redis.call('SREM', known, tenant)
            end
          end
        end
        return picked
        """;

    /// <summary>
    /// KEYS: inflight, members, known, sequence, then one lane per entry. ARGV: group, then (entry id, job, tenant, live) per entry.
    /// Acknowledges and deletes each entry (acknowledged entries are never needed again), forgets the job's
    /// in-flight marker, and deletes a tenant lane that is empty and out of the rotation (the live lane stays).
    /// </summary>
    public const string Acknowledge = """
        local inflight, members, known, sequence = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
        local group = ARGV[1]
        for i = 1, #KEYS - 4 do
          local lane = KEYS[4 + i]
          local a = 2 + (i - 1) * 4
          local id, job, tenant, live = ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3] == '1'
          redis.call('XACK', lane, group, id)
          redis.call('XDEL', lane, id)
          if redis.call('HGET', inflight, job) == id then
            redis.call('HDEL', inflight, job)
            redis.call('HDEL', sequence, job)
          end
          if not live and redis.call('XLEN', lane) == 0 and redis.call('SISMEMBER', members, tenant) == 0 then
            redis.call('DEL', lane)
            redis.call('SREM', known, tenant)
          end
        end
        return 1
        """;
}
