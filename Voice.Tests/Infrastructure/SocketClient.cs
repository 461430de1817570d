using System.Net.WebSockets;
using System.Text.Json;

namespace Voice.Tests.Infrastructure;

/// <summary>Connects to the speech socket (docs/realtime.md) as a test's client.</summary>
public static class SpeechSockets
{
    public static Uri Uri(VoiceAppFixture app)
    {
        using var api = app.CreateApiClient();
        return new UriBuilder(api.BaseAddress!) { Scheme = "ws", Path = "/v1/audio/speech/stream-input" }.Uri;
    }

    /// <summary>A socket authenticated by its upgrade's header, once <c>ready</c> arrived; from an address of its own.</summary>
    public static async Task<SocketClient> ConnectAsync(VoiceAppFixture app, string apiKey)
    {
        var client = NewClient();
        client.Options.SetRequestHeader("Authorization", "Bearer " + apiKey);
        await client.ConnectAsync(Uri(app), CancellationToken.None);
        var socket = new SocketClient(client);
        await socket.ReceiveUntilAsync(m => m.Type == "ready");
        return socket;
    }

    /// <summary>A socket upgraded without a credential (as a browser's), from <paramref name="address"/> or one of its own.</summary>
    public static async Task<SocketClient> ConnectAnonymousAsync(VoiceAppFixture app, string? address = null)
    {
        var client = NewClient(address);
        await client.ConnectAsync(Uri(app), CancellationToken.None);
        return new SocketClient(client);
    }

    /// <summary>A client that looks like its own address (as <see cref="VoiceAppFixture.CreateApiClient"/>'s do).</summary>
    public static ClientWebSocket NewClient(string? address = null)
    {
        var client = new ClientWebSocket();
        client.Options.SetRequestHeader("X-Forwarded-For", address ?? VoiceAppFixture.RandomClientAddress());
        return client;
    }
}

/// <summary>A test's end of the socket: every message it received, in order.</summary>
public sealed class SocketClient(ClientWebSocket socket) : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public sealed record Message(string Type, JsonElement Json);

    private bool _closed;

    public List<Message> Received { get; } = [];

    public int BinaryFrames { get; private set; }

    public ClientWebSocket Socket => socket;

    public Task SendAsync(object message) => SendRawAsync(JsonSerializer.SerializeToUtf8Bytes(message), WebSocketMessageType.Text);

    public Task SendRawAsync(byte[] bytes, WebSocketMessageType type) => socket.SendAsync(bytes, type, true, CancellationToken.None);

    public void Abort() => socket.Abort();

    public async Task<Message> ReceiveUntilAsync(Func<Message, bool> wanted) => (await ReceiveUntilAsync(wanted, allowClose: false))!;

    /// <summary>Reads until a wanted message; null if the server closed first and <paramref name="allowClose"/>.</summary>
    public async Task<Message?> ReceiveUntilAsync(Func<Message, bool> wanted, bool allowClose)
    {
        using var deadline = new CancellationTokenSource(Patience);
        while (true)
        {
            var (type, bytes) = await ReceiveAsync(deadline.Token);
            if (type == WebSocketMessageType.Close)
            {
                _closed = true;
                Assert.True(allowClose, $"the socket closed ({socket.CloseStatus}: {socket.CloseStatusDescription}); received: {string.Join(", ", Received.Select(m => m.Type))}");
                return null;
            }
            if (type == WebSocketMessageType.Binary)
            {
                BinaryFrames++;
                continue;
            }
            var json = JsonDocument.Parse(bytes).RootElement.Clone();
            var message = new Message(json.GetProperty("type").GetString()!, json);
            Received.Add(message);
            if (wanted(message))
            {
                return message;
            }
        }
    }

    /// <summary>Reads until the server closes; its close status and reason.</summary>
    public async Task<(WebSocketCloseStatus? Status, string Reason)> ClosedAsync()
    {
        using var deadline = new CancellationTokenSource(Patience);
        while (!_closed)
        {
            var (type, bytes) = await ReceiveAsync(deadline.Token);
            _closed = type == WebSocketMessageType.Close;
            if (type == WebSocketMessageType.Text)
            {
                var json = JsonDocument.Parse(bytes).RootElement.Clone();
                Received.Add(new Message(json.GetProperty("type").GetString()!, json));
            }
        }
        return (socket.CloseStatus, socket.CloseStatusDescription ?? "");
    }

    private async Task<(WebSocketMessageType Type, byte[] Bytes)> ReceiveAsync(CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(chunk, cancellationToken);
            buffer.Write(chunk, 0, result.Count);
        }
        while (!result.EndOfMessage);
        return (result.MessageType, buffer.ToArray());
    }

    public async ValueTask DisposeAsync()
    {
        if (socket.State == WebSocketState.Open)
        {
            using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "test over", quick.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
            }
        }
        socket.Dispose();
    }
}
