using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using Voice.ApiService.Accounts;
using Voice.ApiService.Model;
using Voice.ApiService.Security;
using Voice.ApiService.Services;
using Voice.ApiService.Submissions;

namespace Voice.ApiService.Realtime;

/// <summary>
/// <c>GET /v1/audio/speech/stream-input</c>: a WebSocket that takes text in pieces (as a language model writes it) and
/// sends the audio back as each sentence is spoken, with word alignment, in several contexts at once (docs/realtime.md).
/// Authenticated like every API request (an API key in <c>Authorization</c> or <c>X-API-Key</c>, scope speech:write),
/// or — for browsers, which cannot set headers — by the socket's first message (<see cref="SocketAuthentication"/>);
/// each piece is an ordinary live speech job, so quotas, rate limits, usage, audit and traces apply as to any job.
/// A tenant holds at most <see cref="RealtimeOptions.MaxSocketsPerTenant"/> sockets on each API instance.
/// </summary>
public static partial class SpeechSocketApi
{
    public const string Path = "/v1/audio/speech/stream-input";

    private static readonly ConcurrentDictionary<Guid, int> Open = new();
    private static readonly ActivitySource Activity = new("Voice.Api");

    public static IEndpointRouteBuilder MapSpeechSocketApi(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, ConnectAsync).RequireAuthorization(Policies.SpeechSocket).WithTags("OpenAI-compatible")
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
        var caller = context.Features.Get<CallerIdentity>();
        if (caller is not null && !TryHold(caller.TenantId, services.Options))
        {
            await TooManySockets(services.Options).ExecuteAsync(context);
            return;
        }
        // Upgraded without a credential: it holds one of the few places for sockets yet to authenticate, or is refused now.
        var waiting = caller is null ? services.Unauthenticated.TryEnter(context.Connection.RemoteIpAddress) : null;
        if (caller is null && waiting is null)
        {
            await Problems.Create(StatusCodes.Status429TooManyRequests, Problems.ConcurrencyLimit, "Too many sockets waiting to authenticate.",
                "Too many speech sockets from this address (or in all) have not sent their auth message yet; retry later.").ExecuteAsync(context);
            return;
        }
        bool accepted = false;
        try
        {
            using var activity = Activity.StartActivity("speech.socket", ActivityKind.Server);
            using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = TimeSpan.FromSeconds(20) });
            accepted = true;
            ApiMetrics.Sockets.Add(1);
            if (caller is null)
            {
                caller = await AuthenticateAsync(socket, context, services, loggers.CreateLogger(typeof(SocketAuthentication)));
                waiting!.Dispose();
                if (caller is null)
                {
                    return;
                }
                if (!TryHold(caller.TenantId, services.Options))
                {
                    caller = null; // holds nothing to release
                    using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    using var writer = new SocketWriter(socket);
                    await writer.ErrorAsync(null, StatusCodes.Status429TooManyRequests, Problems.ConcurrencyLimit, TooManySocketsDetail(services.Options), grace.Token);
                    await writer.CloseAsync((WebSocketCloseStatus)1013, TooManySocketsDetail(services.Options), grace.Token);
                    return;
                }
            }
            activity?.SetTag("voice.tenant_id", caller.TenantId);
            var session = new SpeechSocketSession(socket, caller, context.ClientAddress(), services, loggers.CreateLogger<SpeechSocketSession>());
            await session.RunAsync(context.RequestAborted);
        }
        finally
        {
            waiting?.Dispose();
            if (accepted)
            {
                ApiMetrics.Sockets.Add(-1);
            }
            if (caller is not null)
            {
                Release(caller.TenantId);
            }
        }
    }

    /// <summary>The caller of a socket that authenticates by its first message; null when it was refused or went away.</summary>
    private static async Task<CallerIdentity?> AuthenticateAsync(WebSocket socket, HttpContext context, SpeechSocketServices services, ILogger logger)
    {
        try
        {
            return await SocketAuthentication.AuthenticateAsync(socket, context, services, logger);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            return null;
        }
    }

    private static bool TryHold(Guid tenant, RealtimeOptions options)
    {
        if (Open.AddOrUpdate(tenant, 1, (_, n) => n + 1) <= options.MaxSocketsPerTenant)
        {
            return true;
        }
        Release(tenant);
        return false;
    }

    private static string TooManySocketsDetail(RealtimeOptions options) =>
        $"A tenant holds at most {options.MaxSocketsPerTenant} speech sockets at a time on one server; close one first.";

    private static IResult TooManySockets(RealtimeOptions options) =>
        Problems.Create(StatusCodes.Status429TooManyRequests, Problems.ConcurrencyLimit, "Too many speech sockets.", TooManySocketsDetail(options));

    private static void Release(Guid tenant)
    {
        if (Open.AddOrUpdate(tenant, 0, (_, n) => n - 1) <= 0)
        {
            Open.TryRemove(new KeyValuePair<Guid, int>(tenant, 0));
        }
    }
}
