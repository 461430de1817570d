using System.Text.Json.Serialization;

namespace Voice.Core.Jobs;

/// <summary>
/// A pool's backlog as its autoscaler reads it (KEDA's metrics-api trigger, <c>valueLocation: backlog</c>): entries
/// waiting or running in the pool's tenant lanes and live lane, and the oldest one's age. Counts only, no tenant data.
/// The worker serves its own pool's at <c>/queue/stats</c>; the API serves any pool's on its metrics port, so a pool
/// at zero replicas can still be woken.
/// </summary>
public sealed record QueueBacklog(
    [property: JsonPropertyName("pool")] string Pool,
    [property: JsonPropertyName("backlog")] long Backlog,
    [property: JsonPropertyName("tenants")] long Tenants,
    [property: JsonPropertyName("live")] long Live,
    [property: JsonPropertyName("oldest_seconds")] double OldestSeconds)
{
    public static async Task<QueueBacklog> ReadAsync(JobQueue queue, string pool)
    {
        var stats = await queue.StatsAsync(pool).ConfigureAwait(false);
        return new QueueBacklog(pool, stats.TenantDepth + stats.LiveDepth, stats.TenantDepth, stats.LiveDepth, Math.Round(stats.OldestSeconds, 3));
    }
}
