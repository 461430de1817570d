using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using Voice.ApiService.Accounts;
using Voice.ApiService.Model;
using Voice.ApiService.Security;
using Voice.ApiService.Submissions;
using Voice.Core.Billing;
using Voice.Core.Jobs;
using Voice.Core.Storage;

namespace Voice.ApiService.Realtime;

/// <summary>
/// What a speech socket uses: validation and submission (as every speech request), the feed of a job's audio, the
/// ledger, the rate limiter, the credential check and the socket bounds.
/// </summary>
public sealed class SpeechSocketServices(SpeechRequests requests, SpeechSubmissions submissions, SpeechFeed feed, JobStore jobs, JobQueue queue, JobEvents events,
    BlobStore blobs, RequestRateLimiter limiter, PlanCatalog plans, CredentialVerifier verifier, UnauthenticatedSockets unauthenticated,
    IOptions<RealtimeOptions> options)
{
    public RealtimeOptions Options { get; } = options.Value;
    public CredentialVerifier Verifier { get; } = verifier;
    public UnauthenticatedSockets Unauthenticated { get; } = unauthenticated;
    public SpeechRequests Requests { get; } = requests;
    public SpeechSubmissions Submissions { get; } = submissions;
    public SpeechFeed Feed { get; } = feed;
    public JobStore Jobs { get; } = jobs;
    public JobQueue Queue { get; } = queue;
    public JobEvents Events { get; } = events;
    public BlobStore Blobs { get; } = blobs;
    public RequestRateLimiter Limiter { get; } = limiter;
    public PlanCatalog Plans { get; } = plans;
}

/// <summary>
/// One client's speech socket: reads its messages (bounded in size, count and idleness), keeps its contexts, flushes a
/// context whose text paused, and when the socket ends — closed, dropped or broken — cancels whatever is still being
/// spoken, so nothing is billed that nobody heard.
/// </summary>
public sealed partial class SpeechSocketSession(WebSocket socket, CallerIdentity caller, string? clientAddress, SpeechSocketServices services, ILogger logger)
{
    /// <summary>How long a client that broke the protocol gets to take the error and answer the close.</summary>
    public static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(5);

    private readonly Dictionary<string, SocketContext> _contexts = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _end = new();

    public CallerIdentity Caller { get; } = caller;

    public SocketWriter Writer { get; } = new(socket);

    public SpeechFeed Feed => services.Feed;

    public JobStore Jobs => services.Jobs;

    /// <summary>A completed job's stored audio (for one whose stream carried none), or null.</summary>
    public async Task<byte[]?> StoredAudioAsync(JobResult result, CancellationToken token)
    {
        await using var stream = await services.Blobs.OpenReadAsync(Caller.TenantId, result.BlobPath, token);
        if (stream is null)
        {
            return null;
        }
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, token);
        return buffer.ToArray();
    }

    public async Task RunAsync(CancellationToken aborted)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, _end.Token);
        var token = linked.Token;
        var idle = FlushIdleContextsAsync(token);
        try
        {
            await Writer.ReadyAsync(Guid.NewGuid(), token);
            await ReceiveLoopAsync(token);
        }
        catch (SocketProtocolException broken)
        {
            LogProtocolError(logger, Caller.TenantId, broken.Message);
            using var grace = new CancellationTokenSource(CloseGrace); // a client that neither reads nor answers the close is dropped
            await Writer.ErrorAsync(null, 400, "protocol", broken.Message, grace.Token);
            await Writer.CloseAsync(broken.Status, broken.Message, grace.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            // dropped: the contexts are canceled below
        }
        finally
        {
            await _end.CancelAsync();
            await idle.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            SocketContext[] left;
            lock (_contexts)
            {
                left = [.. _contexts.Values];
            }
            await Task.WhenAll(left.Select(c => c.CancelAsync()));
            Writer.Dispose();
        }
    }

    private async Task ReceiveLoopAsync(CancellationToken token)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(SocketProtocol.MaxMessageBytes);
        try
        {
            while (true)
            {
                int length = 0;
                ValueWebSocketReceiveResult received;
                do
                {
                    if (length == SocketProtocol.MaxMessageBytes)
                    {
                        throw new SocketProtocolException(WebSocketCloseStatus.MessageTooBig, $"A message is at most {SocketProtocol.MaxMessageBytes} bytes.");
                    }
                    received = await SocketReading.ReceiveWithinAsync(socket, buffer.AsMemory(length, SocketProtocol.MaxMessageBytes - length), services.Options.IdleTimeout, token, Speaking)
                        ?? throw new SocketProtocolException(WebSocketCloseStatus.PolicyViolation, $"No message for {services.Options.IdleTimeout.TotalSeconds:0} s; the socket closes.");
                    length += received.Count;
                }
                while (!received.EndOfMessage && received.MessageType != WebSocketMessageType.Close);
                switch (received.MessageType)
                {
                    case WebSocketMessageType.Close:
                        // The client is done: what it did not close is canceled (finally), and the close is answered.
                        await Writer.CloseAsync(WebSocketCloseStatus.NormalClosure, "closed by the client", CancellationToken.None);
                        return;
                    case WebSocketMessageType.Binary:
                        throw new SocketProtocolException(WebSocketCloseStatus.InvalidMessageType, "The client sends JSON text messages, not binary ones.");
                }
                await HandleAsync(SocketProtocol.Parse(buffer.AsSpan(0, length)), token);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task HandleAsync(ClientMessage message, CancellationToken token)
    {
        SocketContext? context;
        lock (_contexts)
        {
            _contexts.TryGetValue(message.ContextId, out context);
        }
        switch (message.Type)
        {
            case "settings":
                if (context is not null)
                {
                    throw new SocketProtocolException(WebSocketCloseStatus.PolicyViolation, $"Context '{message.ContextId}' has its settings; send them before its first text.");
                }
                Open(message.ContextId, message.Settings!, token);
                break;
            case "text":
                context ??= Open(message.ContextId, SocketSettings.Default, token);
                if (context.Closing)
                {
                    throw new SocketProtocolException(WebSocketCloseStatus.PolicyViolation, $"Context '{message.ContextId}' was closed; use another context_id.");
                }
                await context.AppendAsync(message.Text!, token);
                break;
            case "flush":
                await (context?.FlushAsync(token) ?? Task.CompletedTask);
                break;
            case "close":
                await (context?.CloseAsync(token) ?? Task.CompletedTask);
                break;
            case "cancel":
                if (context is not null)
                {
                    await context.CancelAsync();
                    await Writer.EndedAsync("canceled", context.Id, context.Usage, token);
                }
                break;
        }
    }

    private SocketContext Open(string id, SocketSettings settings, CancellationToken token)
    {
        lock (_contexts)
        {
            if (_contexts.Count >= SocketProtocol.MaxContexts)
            {
                throw new SocketProtocolException(WebSocketCloseStatus.PolicyViolation, $"At most {SocketProtocol.MaxContexts} contexts at a time; close or cancel one first.");
            }
            var context = new SocketContext(this, id, settings, token);
            _contexts[id] = context;
            return context;
        }
    }

    /// <summary>A context ended (done, canceled or failed): its id may be used again.</summary>
    public void Forget(SocketContext context)
    {
        lock (_contexts)
        {
            if (_contexts.TryGetValue(context.Id, out var current) && current == context)
            {
                _contexts.Remove(context.Id);
            }
        }
    }

    /// <summary>Whether any context is still speaking what it took: a listening client is not idle.</summary>
    private bool Speaking()
    {
        lock (_contexts)
        {
            return _contexts.Values.Any(c => c.Speaking);
        }
    }

    /// <summary>A context whose text paused for its idle time speaks what it has.</summary>
    private async Task FlushIdleContextsAsync(CancellationToken token)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        while (await timer.WaitForNextTickAsync(token))
        {
            SocketContext[] paused;
            lock (_contexts)
            {
                paused = [.. _contexts.Values.Where(c => c.Text.Buffered > 0 && Stopwatch.GetElapsedTime(c.LastTextAt) >= c.Settings.Idle)];
            }
            foreach (var context in paused)
            {
                await context.FlushAsync(token);
            }
        }
    }

    /// <summary>
    /// Submits one piece as a live speech job, after the rate limiter and within the plan (a full concurrency limit or
    /// rate bucket is waited out: the text waits, as it would in the client). Null when refused otherwise: the context
    /// got an error message and ends.
    /// </summary>
    public async Task<Guid?> SubmitAsync(SocketContext context, TextPiece piece, CancellationToken token)
    {
        var settings = context.Settings;
        var request = new GenerateRequest(piece.Text, settings.Language, settings.Voice, settings.Format, null, settings.Speed,
            Timestamps: settings.Words ? GenerateValidation.WordTimestampsOption : null, Model: settings.Model);
        while (true)
        {
            var plan = await services.Plans.GetAsync(Caller.Plan, token);
            var rate = await services.Limiter.CheckAsync(Caller, plan, viaPortal: false);
            if (!rate.Allowed)
            {
                await Task.Delay(TimeSpan.FromSeconds(Math.Clamp(rate.RetryAfterSeconds, 0.05, 5)), token);
                continue;
            }
            var (speech, invalid) = await services.Requests.ValidateAsync(Caller, request, clientAddress, token);
            var outcome = invalid is null ? await services.Submissions.SubmitAsync(Caller, speech!, null, stream: true, token) : new SubmissionOutcome.Problem(invalid);
            switch (outcome)
            {
                case SubmissionOutcome.Accepted accepted:
                    await Writer.QueuedAsync(context.Id, accepted.TaskId, piece, token);
                    return accepted.TaskId;
                case SubmissionOutcome.Problem { Result.ProblemDetails.Type: Problems.ConcurrencyLimit }:
                    await Task.Delay(TimeSpan.FromMilliseconds(250), token); // a slot frees when one of the tenant's jobs ends
                    continue;
                case SubmissionOutcome.Problem problem:
                    var details = problem.Result.ProblemDetails;
                    string message = details.Extensions.TryGetValue("errors", out var errors) && errors is IDictionary<string, string[]> fields
                        ? $"{details.Title} {string.Join(" ", fields.SelectMany(f => f.Value.Select(v => $"{f.Key}: {v}")))}"
                        : $"{details.Title} {details.Detail}";
                    await Writer.ErrorAsync(context.Id, details.Status ?? 400, details.Type ?? "about:blank", message.Trim(), token);
                    return null;
                default:
                    return null; // a replay needs an idempotency key, which pieces do not have
            }
        }
    }

    /// <summary>Cancels a job nobody will hear (as the streaming route does when its client leaves).</summary>
    public async Task CancelJobAsync(Guid taskId)
    {
        await services.Jobs.CancelAsync(Caller.TenantId, taskId, services.Queue, CancellationToken.None);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "A speech socket of tenant {TenantId} broke the protocol: {Reason}")]
    private static partial void LogProtocolError(ILogger logger, Guid tenantId, string reason);
}
