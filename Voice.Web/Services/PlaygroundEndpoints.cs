namespace Voice.Web.Services;

/// <summary>Small JSON/audio endpoints the playground page's script calls (same origin, no API key in the browser).</summary>
public static class PlaygroundEndpoints
{
    public static IEndpointRouteBuilder MapPlaygroundEndpoints(this IEndpointRouteBuilder app)
    {
        var tasks = app.MapGroup("/tasks").RequireAuthorization();
        tasks.MapGet("/{id:guid}/status", async (Guid id, VoiceApiClient api, CancellationToken ct) =>
        {
            var task = await api.GetTaskAsync(id, ct);
            return task is null
                ? Results.NotFound()
                : Results.Json(new { status = task.Status, ready = task.ResultUrl is not null, error = task.Error?.Detail ?? task.Error?.Title });
        });

        tasks.MapGet("/{id:guid}/audio", async (Guid id, VoiceApiClient api, HttpContext context, CancellationToken ct) =>
        {
            var task = await api.GetTaskAsync(id, ct);
            if (task?.ResultUrl is null)
            {
                return Results.NotFound();
            }
            var response = await api.OpenResultAsync(task.ResultUrl, ct);
            if (!response.IsSuccessStatusCode)
            {
                response.Dispose();
                return Results.StatusCode(StatusCodes.Status502BadGateway);
            }
            context.Response.RegisterForDispose(response);
            var stream = await response.Content.ReadAsStreamAsync(ct);
            return Results.Stream(stream, response.Content.Headers.ContentType?.ToString() ?? "audio/wav");
        });
        return app;
    }
}
