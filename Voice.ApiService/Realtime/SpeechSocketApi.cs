using System.Collections.Concurrent;
using System.Diagnostics;
using Voice.ApiService.Accounts;
using Voice.ApiService.Model;
using Voice.ApiService.Security;
using Voice.ApiService.Services;
using Voice.ApiService.Submissions;

namespace Voice.ApiService.Realtime;

/// <summary>
/// <c>GET /v1/audio/speech/stream-input</c>: a WebSocket that takes text in pieces (as a language model writes it) and
/// sends the audio back as each sentence is spoken, with word alignment, in several contexts at once (docs/realtime.md).
/// Authenticated like every API request (an API key in <c>Authorization</c> or <c>X-API-Key</c>, scope speech:write);
/// each piece is an ordinary live speech job, so quotas, rate limits, usage, audit and traces apply as to any job.
/// A tenant holds at most <see cref="MaxSocketsPerTenant"/> sockets on each API instance.
/// </summary>
public static partial class SpeechSocketApi
{
    public const string Path = "/v1/audio/speech/stream-input";
    public const int MaxSocketsPerTenant = 16;

    private static readonly ConcurrentDictionary<Guid, int> Open = new();
    private static readonly ActivitySource Activity = new("Voice.Api");

    public static IEndpointRouteBuilder MapSpeechSocketApi(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, ConnectAsync).RequireAuthorization(Policies.Scope(Scopes.SpeechWrite)).WithTags("OpenAI-compatible")
            .WithSummary("Text-in, audio-out speech over a WebSocket (docs/realtime.md)");
        return app;
    }

    public static async Task ConnectAsync(HttpContext context, SpeechSocketServices services, ILoggerFactory loggers)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await Problems.Create(StatusCodes.Status400BadRequest, Problems.BadRequest, "A WebSocket upgrade is expected.",
                $"Connect with a WebSocket client to {Path} (see docs/realtime.md).").ExecuteAsync(context);
            return;
        }
        var caller = context.Caller();
        if (Open.AddOrUpdate(caller.TenantId, 1, (_, n) => n + 1) > MaxSocketsPerTenant)
        {
            Release(caller.TenantId);
            await Problems.Create(StatusCodes.Status429TooManyRequests, Problems.ConcurrencyLimit, "Too many speech sockets.",
                $"A tenant holds at most {MaxSocketsPerTenant} speech sockets at a time on one server; close one first.").ExecuteAsync(context);
            return;
        }
        try
        {
            using var activity = Activity.StartActivity("speech.socket", ActivityKind.Server);
            activity?.SetTag("voice.tenant_id", caller.TenantId);
            using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = TimeSpan.FromSeconds(20) });
            ApiMetrics.Sockets.Add(1);
            var session = new SpeechSocketSession(socket, caller, context.ClientAddress(), services, loggers.CreateLogger<SpeechSocketSession>());
            await session.RunAsync(context.RequestAborted);
        }
        finally
        {
            ApiMetrics.Sockets.Add(-1);
            Release(caller.TenantId);
        }
    }

    private static void Release(Guid tenant)
    {
        if (Open.AddOrUpdate(tenant, 0, (_, n) => n - 1) <= 0)
        {
            Open.TryRemove(new KeyValuePair<Guid, int>(tenant, 0));
        }
    }
}
