using System.Net.WebSockets;
using System.Text.Json;

namespace Voice.ApiService.Realtime;

/// <summary>How a context speaks: the fields of a speech request that stay the same for all its text.</summary>
public sealed record SocketSettings(string? Voice, string? Model, string? Language, string Format, float? Speed, bool Words, bool Binary, TimeSpan Idle)
{
    public static readonly SocketSettings Default = new(null, null, null, "pcm", null, false, false, TimeSpan.FromMilliseconds(800));

    /// <summary>Formats whose chunks can be played one after another as they come (a WAV header per piece could not).</summary>
    public static readonly IReadOnlyList<string> Formats = ["pcm", "mp3"];
}

/// <summary>A message from the client: its type, the context it is for, and its text or settings.</summary>
public sealed record ClientMessage(string Type, string ContextId, string? Text, SocketSettings? Settings);

/// <summary>The client broke the protocol: the socket closes with this status and reason (which names what was wrong).</summary>
public sealed class SocketProtocolException(WebSocketCloseStatus status, string reason) : Exception(reason)
{
    public WebSocketCloseStatus Status { get; } = status;
}

/// <summary>
/// The text-in streaming protocol's client messages (docs/realtime.md): JSON text frames, each an object with a
/// <c>type</c> (settings, text, flush, close, cancel) and an optional <c>context_id</c>. Anything else closes the
/// socket with a status and a reason: 1003 for binary frames, 1007 for what is not a JSON object, 1008 for a
/// message the protocol does not have or fields out of range, 1009 for a message over <see cref="MaxMessageBytes"/>.
/// </summary>
public static class SocketProtocol
{
    public const int MaxMessageBytes = 64 * 1024;
    public const int MaxContexts = 8;
    public const string DefaultContext = "default";
    public static readonly TimeSpan MinIdle = TimeSpan.FromMilliseconds(100), MaxIdle = TimeSpan.FromSeconds(10);
    public static readonly IReadOnlyList<string> Types = ["settings", "text", "flush", "close", "cancel"];

    /// <summary>The most an <c>auth</c> message may be (a key is 53 characters).</summary>
    public const int MaxAuthMessageBytes = 1024;

    /// <summary>
    /// The key in the first message of a socket upgraded without a credential (browsers cannot set headers):
    /// <c>{"type":"auth","api_key":"vk_…"}</c>. Anything else first breaks the protocol (1008).
    /// </summary>
    public static string ParseAuth(ReadOnlySpan<byte> utf8)
    {
        try
        {
            using var document = JsonDocument.Parse(utf8.ToArray(), new JsonDocumentOptions { MaxDepth = 2 });
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
                && type.ValueEquals("auth") && root.TryGetProperty("api_key", out var key) && key.ValueKind == JsonValueKind.String)
            {
                return key.GetString()!;
            }
        }
        catch (JsonException)
        {
            // not JSON: the same refusal as any other first message
        }
        throw Policy("""Without an API key on the upgrade, the first message is {"type":"auth","api_key":"vk_…"}.""");
    }

    public static ClientMessage Parse(ReadOnlySpan<byte> utf8)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException)
        {
            throw new SocketProtocolException(WebSocketCloseStatus.InvalidPayloadData, "A message is one JSON object; this one is not valid JSON.");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new SocketProtocolException(WebSocketCloseStatus.InvalidPayloadData, "A message is one JSON object.");
            }
            string type = String(root, "type") ?? throw Policy("Every message has a 'type': " + string.Join(", ", Types) + ".");
            if (!Types.Contains(type))
            {
                throw Policy($"Unknown message type '{Short(type)}'; the types are {string.Join(", ", Types)}.");
            }
            string context = String(root, "context_id") ?? DefaultContext;
            if (context.Length is 0 or > 64 || !context.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                throw Policy("A context_id is 1–64 letters, digits, '-', '_' or '.'.");
            }
            return type switch
            {
                "text" => new ClientMessage(type, context, String(root, "text") ?? throw Policy("A text message has a 'text' string."), null),
                "settings" => new ClientMessage(type, context, null, Settings(root)),
                _ => new ClientMessage(type, context, null, null),
            };
        }
    }

    private static SocketSettings Settings(JsonElement root)
    {
        string format = (String(root, "format") ?? SocketSettings.Default.Format).ToLowerInvariant();
        if (!SocketSettings.Formats.Contains(format))
        {
            throw Policy($"The socket streams {string.Join(" or ", SocketSettings.Formats)} audio, not '{Short(format)}'.");
        }
        float? speed = root.TryGetProperty("speed", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetSingle() : null;
        string? timestamps = String(root, "timestamps");
        if (timestamps is not (null or "word" or "none"))
        {
            throw Policy("timestamps is 'word' or 'none'.");
        }
        var idle = SocketSettings.Default.Idle;
        if (root.TryGetProperty("idle_ms", out var i))
        {
            if (i.ValueKind != JsonValueKind.Number || !i.TryGetInt32(out int ms) || ms < MinIdle.TotalMilliseconds || ms > MaxIdle.TotalMilliseconds)
            {
                throw Policy($"idle_ms is {MinIdle.TotalMilliseconds}–{MaxIdle.TotalMilliseconds}.");
            }
            idle = TimeSpan.FromMilliseconds(ms);
        }
        bool binary = root.TryGetProperty("binary", out var b) && b.ValueKind == JsonValueKind.True;
        return new SocketSettings(String(root, "voice"), String(root, "model"), String(root, "language"), format, speed, timestamps == "word", binary, idle);
    }

    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Null => null,
                _ => throw Policy($"'{name}' is a string."),
            }
            : null;

    private static SocketProtocolException Policy(string reason) => new(WebSocketCloseStatus.PolicyViolation, reason);

    /// <summary>A client's value as a close reason may quote it (reasons are at most 123 bytes).</summary>
    private static string Short(string value) => value.Length <= 20 ? value : value[..20] + "…";
}
