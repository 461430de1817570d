using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Voice.Core.Jobs;

namespace Voice.ApiService.Realtime;

/// <summary>What a context has cost so far: its text's characters, its audio, its jobs.</summary>
public sealed record SocketUsage(int Characters, double AudioSeconds, int Tasks);

/// <summary>
/// The server's messages (docs/realtime.md), one send at a time (a WebSocket allows no more): JSON text frames, and
/// for a context that asked for binary audio, its chunks as binary frames each announced by a JSON header. A send to a
/// socket that is gone is dropped: the session is ending anyway.
/// </summary>
public sealed class SocketWriter(WebSocket socket) : IDisposable
{
    private readonly SemaphoreSlim _sending = new(1, 1);

    public Task ReadyAsync(Guid sessionId, CancellationToken cancellationToken) => JsonAsync(w =>
    {
        w.WriteString("type", "ready");
        w.WriteString("session_id", sessionId);
        w.WriteNumber("max_contexts", SocketProtocol.MaxContexts);
    }, cancellationToken);

    public Task QueuedAsync(string context, Guid taskId, TextPiece piece, CancellationToken cancellationToken) => JsonAsync(w =>
    {
        w.WriteString("type", "queued");
        w.WriteString("context_id", context);
        w.WriteString("task_id", taskId);
        w.WriteNumber("start_char", piece.Start);
        w.WriteString("text", piece.Text);
    }, cancellationToken);

    public async Task AudioAsync(string context, int sequence, ReadOnlyMemory<byte> audio, bool binary, CancellationToken cancellationToken)
    {
        if (!binary)
        {
            await JsonAsync(w =>
            {
                w.WriteString("type", "audio");
                w.WriteString("context_id", context);
                w.WriteNumber("sequence", sequence);
                w.WriteBase64String("audio", audio.Span);
            }, cancellationToken);
            return;
        }
        // Header and frame go out under one hold of the lock, so another context's message cannot fall between them.
        await _sending.WaitAsync(cancellationToken);
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            await SendAsync(Json(w =>
            {
                w.WriteString("type", "audio");
                w.WriteString("context_id", context);
                w.WriteNumber("sequence", sequence);
                w.WriteNumber("bytes", audio.Length);
                w.WriteBoolean("binary", true);
            }), WebSocketMessageType.Text);
            await SendAsync(audio, WebSocketMessageType.Binary);
        }
        finally
        {
            _sending.Release();
        }
    }

    /// <summary>Words as spoken: <paramref name="charOffset"/> and <paramref name="msOffset"/> place a piece's words in the whole context.</summary>
    public Task AlignmentAsync(string context, string text, IReadOnlyList<WordTimestamp> words, int charOffset, long msOffset, CancellationToken cancellationToken) =>
        JsonAsync(w =>
        {
            w.WriteString("type", "alignment");
            w.WriteString("context_id", context);
            w.WriteStartArray("words");
            foreach (var word in words)
            {
                w.WriteStartObject();
                w.WriteString("word", Substring(text, word.StartChar, word.EndChar));
                w.WriteNumber("start", Math.Round((msOffset + word.StartMs) / 1000.0, 3));
                w.WriteNumber("end", Math.Round((msOffset + word.EndMs) / 1000.0, 3));
                w.WriteNumber("start_char", charOffset + word.StartChar);
                w.WriteNumber("end_char", charOffset + word.EndChar);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }, cancellationToken);

    /// <summary>The context ended: <c>done</c> (all its text spoken) or <c>canceled</c>, with what it cost.</summary>
    public Task EndedAsync(string type, string context, SocketUsage usage, CancellationToken cancellationToken) => JsonAsync(w =>
    {
        w.WriteString("type", type);
        w.WriteString("context_id", context);
        w.WriteStartObject("usage");
        w.WriteNumber("characters", usage.Characters);
        w.WriteNumber("audio_seconds", Math.Round(usage.AudioSeconds, 3));
        w.WriteNumber("tasks", usage.Tasks);
        w.WriteEndObject();
    }, cancellationToken);

    /// <summary>A problem with a context (a refused piece, a failed job) or, without one, the protocol error the socket closes for.</summary>
    public Task ErrorAsync(string? context, int status, string code, string message, CancellationToken cancellationToken, Guid? taskId = null) => JsonAsync(w =>
    {
        w.WriteString("type", "error");
        if (context is not null)
        {
            w.WriteString("context_id", context);
        }
        if (taskId is { } id)
        {
            w.WriteString("task_id", id);
        }
        w.WriteNumber("status", status);
        w.WriteString("code", code);
        w.WriteString("message", message);
    }, cancellationToken);

    /// <summary>Closes the socket with a status and a reason (cut to the 123 bytes a close frame can carry).</summary>
    public async Task CloseAsync(WebSocketCloseStatus status, string reason, CancellationToken cancellationToken)
    {
        string shortened = reason;
        while (Encoding.UTF8.GetByteCount(shortened) > 123)
        {
            shortened = shortened[..^2] + "…";
        }
        await _sending.WaitAsync(cancellationToken);
        try
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await socket.CloseAsync(status, shortened, cancellationToken);
            }
        }
        catch (InvalidOperationException) when (socket.State == WebSocketState.Open)
        {
            await socket.CloseOutputAsync(status, shortened, cancellationToken); // a receive is pending: it takes the client's answer
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // the client is gone already
        }
        finally
        {
            _sending.Release();
        }
    }

    private async Task JsonAsync(Action<Utf8JsonWriter> write, CancellationToken cancellationToken)
    {
        var message = Json(write);
        await _sending.WaitAsync(cancellationToken);
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            await SendAsync(message, WebSocketMessageType.Text);
        }
        finally
        {
            _sending.Release();
        }
    }

    private static ReadOnlyMemory<byte> Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }
        return buffer.WrittenMemory;
    }

    /// <summary>
    /// Sends one whole message. Never with a token: a canceled send aborts the WebSocket — every context on it — so a
    /// context that stops (cancel) stops before its next message, not in the middle of one.
    /// </summary>
    private async Task SendAsync(ReadOnlyMemory<byte> message, WebSocketMessageType type)
    {
        if (socket.State != WebSocketState.Open)
        {
            return;
        }
        try
        {
            await socket.SendAsync(message, type, endOfMessage: true, CancellationToken.None);
        }
        catch (WebSocketException)
        {
            // the client went away mid-send; its session sees the closed socket and ends
        }
    }

    /// <summary>The code points [start, end) of a text (word offsets count code points, as billing does).</summary>
    private static string Substring(string text, int start, int end)
    {
        var runes = text.EnumerateRunes().ToArray();
        start = Math.Clamp(start, 0, runes.Length);
        end = Math.Clamp(end, start, runes.Length);
        return string.Concat(runes[start..end].Select(r => r.ToString()));
    }

    public void Dispose() => _sending.Dispose();
}
