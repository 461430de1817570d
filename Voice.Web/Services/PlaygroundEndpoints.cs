namespace Voice.Web.Services;

/// <summary>Small JSON/audio/SSE endpoints the portal's scripts call (same origin, no API key in the browser).</summary>
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
                : Results.Json(new
                {
                    status = task.Status,
                    ready = task.ResultUrl is not null,
                    format = task.Request?.Format ?? "wav",
                    error = task.Error?.Detail ?? task.Error?.Title,
                });
        });

        // The task's live events, passed through as they come (the API ends the stream after the last one).
        tasks.MapGet("/{id:guid}/events", async (Guid id, VoiceApiClient api, HttpContext context, CancellationToken ct) =>
        {
            var response = await api.OpenTaskEventsAsync(id, ct);
            context.Response.RegisterForDispose(response);
            if (!response.IsSuccessStatusCode)
            {
                return Results.StatusCode(response.StatusCode == System.Net.HttpStatusCode.NotFound ? StatusCodes.Status404NotFound : StatusCodes.Status502BadGateway);
            }
            context.Response.Headers.CacheControl = "no-store";
            context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
            var events = await response.Content.ReadAsStreamAsync(ct);
            return Results.Stream(async body =>
            {
                byte[] buffer = new byte[4096];
                int read;
                while ((read = await events.ReadAsync(buffer, ct)) > 0)
                {
                    await body.WriteAsync(buffer.AsMemory(0, read), ct);
                    await body.FlushAsync(ct);
                }
            }, "text/event-stream");
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
