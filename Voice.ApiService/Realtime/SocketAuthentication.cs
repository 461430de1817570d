using System.Net.WebSockets;
using Microsoft.AspNetCore.Http.Features;
using Voice.ApiService.Accounts;
using Voice.ApiService.Model;
using Voice.ApiService.Security;

namespace Voice.ApiService.Realtime;

/// <summary>
/// First-message authentication, for a socket upgraded without a credential (a browser cannot set headers on a
/// WebSocket): within <see cref="RealtimeOptions.AuthTimeout"/> its first message must be
/// <c>{"type":"auth","api_key":"vk_…"}</c>, checked as the header is (<see cref="CredentialVerifier"/>: the same
/// validation, failures counted per address), with scope speech:write and the key's rate limit. A refusal sends an
/// <c>error</c> with the HTTP status and problem type the header path would answer, then closes: 1013 (try again later)
/// for a 429, 1008 (policy violation) for the rest. The key is never logged.
/// </summary>
public static partial class SocketAuthentication
{
    /// <summary>How long a refused socket's client gets to answer the close before the socket is dropped.</summary>
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(2);

    private const WebSocketCloseStatus TryAgainLater = (WebSocketCloseStatus)1013;

    /// <summary>The caller, or null when the socket was refused (and closed) or went away.</summary>
    public static async Task<CallerIdentity?> AuthenticateAsync(WebSocket socket, HttpContext http, SpeechSocketServices services, ILogger logger)
    {
        var writer = new SocketWriter(socket);
        var refusal = await CheckAsync(socket, http, services);
        if (refusal is null)
        {
            return http.Features.Get<CallerIdentity>();
        }
        var (failure, status) = refusal.Value;
        LogRefused(logger, failure.Status, failure.Detail);
        using var grace = new CancellationTokenSource(CloseGrace);
        await writer.ErrorAsync(null, failure.Status, failure.Type, failure.Detail, grace.Token);
        await writer.CloseAsync(status, failure.Detail, grace.Token);
        return null;
    }

    private static async Task<(CredentialFailure Failure, WebSocketCloseStatus Status)?> CheckAsync(WebSocket socket, HttpContext http, SpeechSocketServices services)
    {
        string key;
        try
        {
            key = SocketProtocol.ParseAuth(await ReceiveFirstAsync(socket, services.Options.AuthTimeout, http.RequestAborted)
                ?? throw new TimeoutException());
        }
        catch (SocketProtocolException broken)
        {
            return Refused(StatusCodes.Status401Unauthorized, Problems.Unauthenticated, broken.Message);
        }
        catch (TimeoutException)
        {
            return Refused(StatusCodes.Status401Unauthorized, Problems.Unauthenticated,
                $"No auth message within {services.Options.AuthTimeout.TotalSeconds:0.#} s of the upgrade.");
        }
        var (identity, failure) = await services.Verifier.VerifyAsync(key, http.Connection.RemoteIpAddress, http.RequestAborted);
        if (failure is not null)
        {
            return (failure, failure.Status == StatusCodes.Status429TooManyRequests ? TryAgainLater : WebSocketCloseStatus.PolicyViolation);
        }
        if (!identity!.Scopes.Contains(Scopes.SpeechWrite))
        {
            return Refused(StatusCodes.Status403Forbidden, Problems.Forbidden, "The credential lacks the scope this operation needs.");
        }
        if (await RateLimitedAsync(identity, services) is { } retryAfter)
        {
            return (new CredentialFailure(StatusCodes.Status429TooManyRequests, Problems.RateLimited,
                $"Too many requests for this tenant or key; retry after {retryAfter} s.", TimeSpan.FromSeconds(retryAfter)), TryAgainLater);
        }
        http.Features.Set(identity);
        return null;
    }

    private static (CredentialFailure, WebSocketCloseStatus) Refused(int status, string type, string detail) =>
        (new CredentialFailure(status, type, detail), WebSocketCloseStatus.PolicyViolation);

    /// <summary>Seconds to wait when the key's or tenant's bucket is empty; null when admitted (or the limiter cannot answer, as for any request).</summary>
    private static async Task<int?> RateLimitedAsync(CallerIdentity caller, SpeechSocketServices services)
    {
        try
        {
            var plan = await services.Plans.GetAsync(caller.Plan, CancellationToken.None);
            var decision = await services.Limiter.CheckAsync(caller, plan, viaPortal: false);
            return decision.Allowed ? null : Math.Max(1, (int)Math.Ceiling(decision.RetryAfterSeconds));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>The first message's bytes (empty for anything but a small text message), or null when none came in time.</summary>
    private static async Task<byte[]?> ReceiveFirstAsync(WebSocket socket, TimeSpan limit, CancellationToken cancellationToken)
    {
        var buffer = new byte[SocketProtocol.MaxAuthMessageBytes];
        var deadline = DateTime.UtcNow + limit;
        int length = 0;
        ValueWebSocketReceiveResult received;
        do
        {
            var left = deadline - DateTime.UtcNow;
            if (length == buffer.Length)
            {
                return [];
            }
            if (left <= TimeSpan.Zero || await SocketReading.ReceiveWithinAsync(socket, buffer.AsMemory(length), left, cancellationToken) is not { } result)
            {
                return null;
            }
            received = result;
            length += received.Count;
        }
        while (!received.EndOfMessage && received.MessageType == WebSocketMessageType.Text);
        return received.MessageType == WebSocketMessageType.Text ? buffer[..length] : [];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "A speech socket was refused at its first message ({Status}): {Reason}")]
    private static partial void LogRefused(ILogger logger, int status, string reason);
}
