using Voice.Core.Jobs;

namespace Voice.Worker.Hosting;

public static class QueueStatsEndpoint
{
    public const string Path = "/queue/stats";

    /// <summary>
    /// <c>GET /queue/stats</c>: this worker's pool's backlog for its autoscaler (KEDA's metrics-api trigger reads
    /// <c>backlog</c>) — entries waiting or running in each of the pool's lanes, and the oldest one's age. Counts only, no tenant
    /// data; the deployment's network policy lets only the autoscaler and the metrics scraper reach the worker.
    /// </summary>
    public static IEndpointRouteBuilder MapQueueStats(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, async (JobQueue queue, WorkerPool pool) =>
        {
            var stats = await queue.StatsAsync(pool.Name).ConfigureAwait(false);
            return TypedResults.Json(new QueueStats(pool.Name, stats.TenantDepth + stats.LiveDepth, stats.TenantDepth, stats.LiveDepth, Math.Round(stats.OldestSeconds, 3)));
        });
        return app;
    }

    public sealed record QueueStats(
        [property: System.Text.Json.Serialization.JsonPropertyName("pool")] string Pool,
        [property: System.Text.Json.Serialization.JsonPropertyName("backlog")] long Backlog,
        [property: System.Text.Json.Serialization.JsonPropertyName("tenants")] long Tenants,
        [property: System.Text.Json.Serialization.JsonPropertyName("live")] long Live,
        [property: System.Text.Json.Serialization.JsonPropertyName("oldest_seconds")] double OldestSeconds);
}
