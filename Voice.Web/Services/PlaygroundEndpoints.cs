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

        // The audio with its length and byte ranges (the player can seek), the range passed on to the API; with
        // ?name=, a download under that (sanitized) name.
        tasks.MapGet("/{id:guid}/audio", async (Guid id, string? name, VoiceApiClient api, HttpContext context, CancellationToken ct) =>
        {
            var task = await api.GetTaskAsync(id, ct);
            if (task?.ResultUrl is null)
            {
                return Results.NotFound();
            }
            var response = await api.OpenResultAsync(task.ResultUrl, context.Request.Headers.Range, context.Request.Headers.IfRange, ct);
            context.Response.RegisterForDispose(response);
            if (!response.IsSuccessStatusCode && response.StatusCode != System.Net.HttpStatusCode.RequestedRangeNotSatisfiable)
            {
                return Results.StatusCode(StatusCodes.Status502BadGateway);
            }
            var content = response.Content.Headers;
            context.Response.StatusCode = (int)response.StatusCode;
            context.Response.ContentType = content.ContentType?.ToString() ?? "audio/wav";
            context.Response.ContentLength = content.ContentLength;
            context.Response.Headers.AcceptRanges = "bytes";
            context.Response.Headers.CacheControl = "private, max-age=3600";
            if (content.ContentRange is { } contentRange)
            {
                context.Response.Headers.ContentRange = contentRange.ToString();
            }
            if (content.LastModified is { } modified)
            {
                context.Response.Headers.LastModified = modified.ToString("R");
            }
            if (response.Headers.ETag is { } etag)
            {
                context.Response.Headers.ETag = etag.ToString();
            }
            if (DownloadName(name, task.Request?.Format) is { } fileName)
            {
                context.Response.Headers.ContentDisposition = new Microsoft.Net.Http.Headers.ContentDispositionHeaderValue("attachment") { FileName = fileName }.ToString();
            }
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            await body.CopyToAsync(context.Response.Body, ct);
            return Results.Empty;
        });
        return app;
    }

    /// <summary>A name the caller asked for, as a safe file name with the task's format as its extension; null for none.</summary>
    private static string? DownloadName(string? requested, string? format)
    {
        string extension = PortalFormat.Slug(format ?? "wav", 8);
        string stem = PortalFormat.Slug(System.IO.Path.GetFileNameWithoutExtension(requested ?? ""), 100);
        return stem.Length == 0 ? null : $"{stem}.{extension}";
    }
}
