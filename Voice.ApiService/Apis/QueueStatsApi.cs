using Voice.Core.Jobs;
using Voice.Core.Pools;

namespace Voice.ApiService.Apis;

public static class QueueStatsApi
{
    public const string Path = "/queue/stats/{pool}";

    /// <summary>
    /// <c>GET /queue/stats/{pool}</c>, on the metrics port only: a pool's <see cref="QueueBacklog"/> for its autoscaler.
    /// The API is always up, so KEDA can read the backlog of a pool scaled to zero and wake it. Like <c>/metrics</c> it
    /// answers only on <c>Telemetry:MetricsPort</c> (the port the connection arrived on, not the Host header), which the
    /// network policy opens to the monitoring and KEDA namespaces and no Ingress or HTTPRoute routes; without that
    /// port it is not mapped at all. A pool no worker ever announced (or an invalid name) is a 404.
    /// </summary>
    public static WebApplication MapQueueStatsApi(this WebApplication app)
    {
        if (TelemetryOptions.From(app.Configuration).MetricsPort is not { } metricsPort)
        {
            return app;
        }
        app.MapGet(Path, async Task<IResult> (string pool, HttpContext http, JobQueue queue, PoolRegistry registry) =>
        {
            if (http.Connection.LocalPort != metricsPort || !PoolRegistry.IsValidName(pool) || !(await registry.DescribedAsync()).ContainsKey(pool))
            {
                return TypedResults.NotFound();
            }
            return TypedResults.Json(await QueueBacklog.ReadAsync(queue, pool));
        }).ExcludeFromDescription();
        return app;
    }
}
