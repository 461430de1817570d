using System.Security.Claims;
using Voice.Web.Services;

namespace Microsoft.Extensions.Hosting;

/// <summary>The voice library's endpoints for its script and players: a voice's status, and its sample as audio.</summary>
public static class VoiceLibraryEndpoints
{
    private static readonly TimeSpan SampleWait = TimeSpan.FromSeconds(90);

    public static IServiceCollection AddVoiceLibrary(this IServiceCollection services) =>
        services.AddMemoryCache().AddSingleton<VoicePreviewCache>();

    public static IEndpointRouteBuilder MapVoiceLibraryEndpoints(this IEndpointRouteBuilder app)
    {
        var voices = app.MapGroup("/voices/{id}").RequireAuthorization();
        voices.MapGet("/status", async (string id, VoiceApiClient api, CancellationToken ct) =>
            await api.GetVoiceAsync(id, ct) is { } voice
                ? Results.Json(new { status = voice.Status, ready = voice.Status == "ready", fidelity = VoiceCard.ExplainFidelity(voice.Fidelity) })
                : Results.NotFound());

        // The sample: queued on the first listen (or given by a design), then the same audio every time; the request
        // waits while the task runs, so a player needs nothing but this address.
        voices.MapGet("/sample", async (string id, string? language, VoiceApiClient api, VoicePreviewCache previews, ClaimsPrincipal user,
            HttpContext context, CancellationToken ct) =>
        {
            string tenant = user.FindFirst(PortalClaims.TenantSlug)?.Value ?? "";
            for (int attempt = 0; attempt < 2; attempt++)
            {
                var (taskId, problem) = await previews.GetOrQueueAsync(tenant, id, language, async () =>
                {
                    for (int tries = 1; ; tries++)
                    {
                        var (accepted, refused) = await api.PreviewVoiceAsync(id, language, CancellationToken.None);
                        // A rate-limited sample waits its turn (the player asked once); other refusals answer at once.
                        if (RateLimited(refused) && tries < 5)
                        {
                            await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
                            continue;
                        }
                        return (accepted?.TaskId, refused ?? (accepted is null ? new ProblemBody(null, "The sample was not queued.", null, null) : null));
                    }
                });
                if (taskId is not { } task)
                {
                    return Results.Problem(problem?.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
                }
                var done = await WaitAsync(api, task, ct);
                if (done is null)
                {
                    return Results.Problem("The sample is still being spoken; try again in a moment.", statusCode: StatusCodes.Status504GatewayTimeout);
                }
                if (done.ResultUrl is null)
                {
                    previews.Forget(tenant, id, language); // failed, cancelled or its audio expired: speak it again
                    continue;
                }
                var response = await api.OpenResultAsync(done.ResultUrl, ct);
                if (!response.IsSuccessStatusCode)
                {
                    response.Dispose();
                    previews.Forget(tenant, id, language);
                    continue;
                }
                context.Response.RegisterForDispose(response);
                context.Response.Headers.CacheControl = "private, max-age=3600";
                var stream = await response.Content.ReadAsStreamAsync(ct);
                return Results.Stream(stream, response.Content.Headers.ContentType?.ToString() ?? "audio/mpeg", enableRangeProcessing: false);
            }
            return Results.Problem("The sample could not be spoken.", statusCode: StatusCodes.Status502BadGateway);
        });
        return app;
    }

    private static bool RateLimited(ProblemBody? problem) => problem?.Type?.EndsWith("/rate-limited", StringComparison.Ordinal) == true;

    /// <summary>The task once it has finished (completed or not); null when it is still running after <see cref="SampleWait"/>.</summary>
    private static async Task<TaskView?> WaitAsync(VoiceApiClient api, Guid id, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + SampleWait;
        while (DateTimeOffset.UtcNow < deadline)
        {
            var (task, problem) = await api.GetTaskOrProblemAsync(id, cancellationToken);
            if (task is null && !RateLimited(problem) || task?.Status is "completed" or "failed" or "canceled")
            {
                return task ?? new TaskView(id, "missing", null, null);
            }
            // Polls gently: a page of players asking at once must not spend the workspace's request rate.
            await Task.Delay(TimeSpan.FromMilliseconds(task is null ? 1000 : 400), cancellationToken);
        }
        return null;
    }
}
