using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Voice.Tests.Infrastructure;

/// <summary>A real HTTP server on loopback that records webhook requests and answers as the test scripts it.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    public sealed record Received(string Path, IReadOnlyDictionary<string, string> Headers, string Body, DateTimeOffset At);

    public ConcurrentQueue<Received> Requests { get; } = new();

    /// <summary>Status codes to answer, in order; once used up, 200.</summary>
    public ConcurrentQueue<int> Script { get; } = new();

    public string? RedirectTo { get; set; }

    private WebhookReceiver(WebApplication app) => _app = app;

    public string Url(string path) => $"{_app.Urls.First()}{path}";

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            string body = await reader.ReadToEndAsync();
            receiver.Requests.Enqueue(new Received(context.Request.Path, context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body, DateTimeOffset.UtcNow));
            if (receiver.RedirectTo is { } target && context.Request.Path != "/moved")
            {
                context.Response.Redirect(target);
                return;
            }
            context.Response.StatusCode = receiver.Script.TryDequeue(out int status) ? status : StatusCodes.Status200OK;
            await context.Response.WriteAsync("ok");
        });
        await app.StartAsync();
        return receiver;
    }

    public async Task<Received> WaitForAsync(Func<Received, bool> match, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            if (Requests.FirstOrDefault(match) is { } found)
            {
                return found;
            }
            await Task.Delay(50, cts.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
