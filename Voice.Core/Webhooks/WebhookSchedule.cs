using StackExchange.Redis;

namespace Voice.Core.Webhooks;

/// <summary>
/// When each pending delivery is due: a Redis sorted set scored by due time. Taking an item removes it
/// atomically, so exactly one dispatcher sends it; a dispatcher that dies mid-send leaves the row pending,
/// and the reconciler puts overdue rows back on the schedule.
/// </summary>
public sealed class WebhookSchedule(IConnectionMultiplexer redis)
{
    private static readonly RedisKey Due = "{voice}:webhooks:due";

    private const string TakeScript = """
        local items = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
        for _, item in ipairs(items) do redis.call('ZREM', KEYS[1], item) end
        return items
        """;

    public Task AddAsync(IReadOnlyCollection<ScheduledDelivery> deliveries)
    {
        if (deliveries.Count == 0)
        {
            return Task.CompletedTask;
        }
        var entries = deliveries.Select(d => new SortedSetEntry($"{d.TenantId:N}:{d.DeliveryId:N}", d.Due.ToUnixTimeMilliseconds())).ToArray();
        return redis.GetDatabase().SortedSetAddAsync(Due, entries);
    }

    public async Task<IReadOnlyList<(Guid TenantId, Guid DeliveryId)>> TakeDueAsync(DateTimeOffset now, int max)
    {
        var result = await redis.GetDatabase().ScriptEvaluateAsync(TakeScript, [Due], [now.ToUnixTimeMilliseconds(), max]).ConfigureAwait(false);
        var taken = new List<(Guid, Guid)>();
        foreach (var item in (RedisResult[])result!)
        {
            string[] parts = item.ToString()!.Split(':');
            if (parts.Length == 2 && Guid.TryParseExact(parts[0], "N", out var tenant) && Guid.TryParseExact(parts[1], "N", out var delivery))
            {
                taken.Add((tenant, delivery));
            }
        }
        return taken;
    }
}
