using Voice.Core.Jobs;

namespace Voice.Worker.Hosting;

public static class QueueStatsEndpoint
{
    public const string Path = "/queue/stats";

    /// <summary>
    /// <c>GET /queue/stats</c>: this worker's pool's <see cref="QueueBacklog"/>. The autoscalers read every pool's from
    /// the API's metrics port instead (a pool at zero replicas has no worker to ask); this stays for operators and tests.
    /// </summary>
    public static IEndpointRouteBuilder MapQueueStats(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, async (JobQueue queue, WorkerPool pool) => TypedResults.Json(await QueueBacklog.ReadAsync(queue, pool.Name).ConfigureAwait(false)));
        return app;
    }
}
