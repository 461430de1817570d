using Microsoft.AspNetCore.Http.HttpResults;
using Voice.ApiService.Model;
using Voice.Core.Pools;

namespace Voice.ApiService.Apis;

/// <summary>
/// The models a tenant can use: the live pools (workers announce theirs with what their loaded engine can do), so
/// the list shows what is running now, not what was configured. A pool whose workers all stopped leaves the list.
/// </summary>
public static class ModelsApi
{
    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/models", ListAsync).RequireAuthorization().WithTags("Models")
            .WithSummary("The live pools' models and what each can do");
        return app;
    }

    public static async Task<Ok<ModelList>> ListAsync(PoolRegistry pools) =>
        TypedResults.Ok(new ModelList([.. (await pools.LiveAsync()).Select(View)]));

    public static ModelView View(LivePool live) => new(live.Pool.Name, live.Pool.Engine, live.Pool.Model, live.Pool.Modes,
        live.Pool.Languages, live.Pool.SampleRate, live.Pool.MaxBatchSize, live.Pool.Streaming, live.Pool.WordTimestamps,
        live.Pool.RequiresGpu, live.Workers);
}
