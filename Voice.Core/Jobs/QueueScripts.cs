namespace Voice.Core.Jobs;

/// <summary>
/// The queue's atomic steps, as Lua run inside Redis; each handles many jobs per call. All keys share the
/// <c>{voice}</c> hash tag, so on a Redis Cluster they live in one slot and the scripts may touch lanes by name.
/// </summary>
internal static class QueueScripts
{
    /// <summary>
    /// KEYS: lanes, members, known, weights, inflight, credits, enqueued (per tenant), sequence (per job), live count
    /// (per tenant), live lane. ARGV: group, lane prefix, live cap per tenant, then (tenant, job, weight, traceparent, live) per job.
    /// Adds each job to its lane (creating lane and group on first use): a tenant's lane, which joins the
    /// rotation, or for a live job (someone is waiting on its audio) the one live lane, which is picked ahead of
    /// the rotation. A tenant holds at most the cap of live entries (waiting or running); its further live jobs
    /// wait in its own lane, in the fair rotation, so one tenant's many streams cannot fill the live lane. The
    /// count is re-counted from the lane when it reaches the cap, so a count that drifted heals itself.
    /// A job that already has an entry is not added twice (the reconciler may enqueue again).
    /// </summary>
    public const string Enqueue = """
        local lanes, members, known, weights, inflight, credits, enqueued, sequence, liveCount, liveLane = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10]
        local group, prefix, cap = ARGV[1], ARGV[2], tonumber(ARGV[3])
        local function liveHeld(tenant)
          local held = tonumber(redis.call('HGET', liveCount, tenant) or '0')
          if held < cap then return held end
          held = 0
          for _, entry in ipairs(redis.call('XRANGE', liveLane, '-', '+')) do
            for f = 1, #entry[2], 2 do
              if entry[2][f] == 'tenant' and entry[2][f + 1] == tenant then held = held + 1 end
            end
          end
          redis.call('HSET', liveCount, tenant, held)
          return held
        end
        local ids = {}
        for i = 1, (#ARGV - 3) / 5 do
          local a = 4 + (i - 1) * 5
          local tenant, job, weight, traceparent, live = ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4] == '1'
          local existing = redis.call('HGET', inflight, job)
          if existing then
            ids[i] = existing
          else
            if live and liveHeld(tenant) >= cap then live = false end
            local lane = live and liveLane or (prefix .. tenant)
            if redis.call('EXISTS', lane) == 0 then
              redis.pcall('XGROUP', 'CREATE', lane, group, '0', 'MKSTREAM')
            end
            local id = redis.call('XADD', lane, '*', 'job', job, 'tenant', tenant, 'traceparent', traceparent)
            redis.call('HSET', inflight, job, id)
            if live then
              redis.call('HINCRBY', liveCount, tenant, 1)
            else
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
    /// KEYS: lanes, members, credits, weights, known, picked (per tenant), live lane, live streak.
    /// ARGV: group, consumer, lane prefix, how many, lanes to look at, live burst, then tenants this consumer must pass over.
    /// One entry at a time: the live lane's oldest, unless the live lane has had the burst of picks in a row while
    /// tenant lanes were waiting, in which case the rotation gets the next one (so live work takes most of the
    /// workers but never all of them). The rotation is weighted round-robin over tenant lanes: the tenant at the
    /// head gets up to its weight in consecutive picks, then moves to the tail. A lane with nothing new leaves the
    /// rotation (the next enqueue puts it back); an empty lane with nothing pending is deleted. A tenant passed over
    /// (it already holds its share of the picking worker) keeps its place in the rotation, moved to the tail; when the
    /// live lane's next entry is such a tenant's, this pick leaves the live lane to other workers.
    /// Returns a flat list of {tenant, entry id, fields, live} quadruples.
    /// </summary>
    public const string Pick = """
        local lanes, members, credits, weights, known, pickedCount, liveLane, streakKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8]
        local group, consumer, prefix, wanted, scans, burst = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
        local picked = {}
        local streak = tonumber(redis.call('GET', streakKey) or '0')
        local liveEmpty = false
        local looked = 0
        local passOver = {}
        for i = 7, #ARGV do passOver[ARGV[i]] = true end
        local function add(tenant, entry, live)
          picked[#picked + 1] = tenant
          picked[#picked + 1] = entry[1]
          picked[#picked + 1] = entry[2]
          picked[#picked + 1] = live
        end
        -- Whether the live lane's next entry belongs to a passed-over tenant (peeked, not read: the lane stays FIFO).
        local function liveHeadPassedOver()
          if next(passOver) == nil then return false end
          local groups = redis.pcall('XINFO', 'GROUPS', liveLane)
          if type(groups) ~= 'table' or groups.err then return false end
          local last = nil
          for _, g in ipairs(groups) do
            local name, id = nil, nil
            for f = 1, #g, 2 do
              if g[f] == 'name' then name = g[f + 1] elseif g[f] == 'last-delivered-id' then id = g[f + 1] end
            end
            if name == group then last = id end
          end
          if not last then return false end
          local head = redis.call('XRANGE', liveLane, '(' .. last, '+', 'COUNT', 1)
          if #head == 0 then return false end
          for f = 1, #head[1][2], 2 do
            if head[1][2][f] == 'tenant' and passOver[head[1][2][f + 1]] then return true end
          end
          return false
        end
        local function pickLive()
          if liveHeadPassedOver() then
            liveEmpty = true
            return
          end
          local read = redis.pcall('XREADGROUP', 'GROUP', group, consumer, 'COUNT', 1, 'STREAMS', liveLane, '>')
          if type(read) ~= 'table' or read.err or not read[1] or #read[1][2] == 0 then
            liveEmpty = true
            return
          end
          local entry = read[1][2][1]
          local tenant = ''
          for f = 1, #entry[2], 2 do
            if entry[2][f] == 'tenant' then tenant = entry[2][f + 1] end
          end
          add(tenant, entry, 1)
          streak = streak + 1
        end
        local function pickRotation()
          local tenant = redis.call('LINDEX', lanes, 0)
          if passOver[tenant] then
            redis.call('LMOVE', lanes, lanes, 'LEFT', 'RIGHT')
            looked = looked + 1
            return
          end
          local lane = prefix .. tenant
          local read = redis.pcall('XREADGROUP', 'GROUP', group, consumer, 'COUNT', 1, 'STREAMS', lane, '>')
          if type(read) == 'table' and read.err then
            redis.pcall('XGROUP', 'CREATE', lane, group, '0', 'MKSTREAM')
            read = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', 1, 'STREAMS', lane, '>')
          end
          if read and read[1] and #read[1][2] > 0 then
            if redis.call('HEXISTS', credits, tenant) == 0 then
              redis.call('HSET', credits, tenant, redis.call('HGET', weights, tenant) or 1)
            end
            if redis.call('HINCRBY', credits, tenant, -1) <= 0 then
              redis.call('LMOVE', lanes, lanes, 'LEFT', 'RIGHT')
              redis.call('HSET', credits, tenant, redis.call('HGET', weights, tenant) or 1)
            end
            redis.call('HINCRBY', pickedCount, tenant, 1)
            add(tenant, read[1][2][1], 0)
            streak = 0
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
        while #picked < wanted * 4 do
          local rotation = looked < scans and redis.call('LLEN', lanes) > 0
          if not liveEmpty and (streak < burst or not rotation) then
            pickLive()
          elseif rotation then
            pickRotation()
          else
            break
          end
        end
        redis.call('SET', streakKey, streak)
        return picked
        """;

    /// <summary>
    /// KEYS: inflight, members, known, sequence, live count, claims, then one lane per entry. ARGV: group, then (entry id, job, tenant, live) per entry.
    /// Acknowledges and deletes each entry (acknowledged entries are never needed again), forgets the job's
    /// in-flight marker and claim (and for a live entry, its place in the tenant's live count), and deletes a tenant lane
    /// that is empty and out of the rotation (the live lane stays).
    /// </summary>
    public const string Acknowledge = """
        local inflight, members, known, sequence, liveCount, claims = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
        local group = ARGV[1]
        for i = 1, #KEYS - 6 do
          local lane = KEYS[6 + i]
          local a = 2 + (i - 1) * 4
          local id, job, tenant, live = ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3] == '1'
          redis.call('XACK', lane, group, id)
          redis.call('XDEL', lane, id)
          if redis.call('HGET', inflight, job) == id then
            redis.call('HDEL', inflight, job)
            redis.call('HDEL', sequence, job)
            redis.call('HDEL', claims, job)
            if live and redis.call('HINCRBY', liveCount, tenant, -1) <= 0 then
              redis.call('HDEL', liveCount, tenant)
            end
          end
          if not live and redis.call('XLEN', lane) == 0 and redis.call('SISMEMBER', members, tenant) == 0 then
            redis.call('DEL', lane)
            redis.call('SREM', known, tenant)
          end
        end
        return 1
        """;
}
