using System.Net.Http.Json;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text.Json;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Api;

/// <summary>
/// The speech socket's bounds (Realtime options, set small for tests by <see cref="VoiceAppFixture"/>): sockets per
/// tenant, the idle close, and backpressure — a client that stops reading stops the speaking, nothing piles up.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class SpeechSocketBoundsTests(VoiceAppFixture app)
{
    [Fact]
    public async Task ATenantHoldsAtMostItsCapOfSocketsAndAClosedOneFreesItsPlace()
    {
        var tenant = await app.CreateTenantAsync();
        var open = new List<SocketClient>();
        for (int i = 0; i < VoiceAppFixture.SocketsPerTenant; i++)
        {
            open.Add(await SpeechSockets.ConnectAsync(app, tenant.ApiKey));
        }
        var refused = await Assert.ThrowsAnyAsync<WebSocketException>(() => SpeechSockets.ConnectAsync(app, tenant.ApiKey));
        Assert.Contains("429", refused.Message, StringComparison.Ordinal);
        // Another tenant is not affected.
        await using (await SpeechSockets.ConnectAsync(app, (await app.CreateTenantAsync()).ApiKey))
        {
        }

        await open[0].DisposeAsync();
        await using var again = await RetryAsync(() => SpeechSockets.ConnectAsync(app, tenant.ApiKey)); // the server ends the session just after the close
        foreach (var socket in open.Skip(1))
        {
            await socket.DisposeAsync();
        }
    }

    [Fact]
    public async Task ASocketWithoutMessagesForTheIdleTimeoutIsClosed()
    {
        var tenant = await app.CreateTenantAsync();
        await using var socket = await SpeechSockets.ConnectAsync(app, tenant.ApiKey);
        var started = DateTime.UtcNow;
        var (status, reason) = await socket.ClosedAsync();
        var waited = DateTime.UtcNow - started;
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Contains($"No message for {VoiceAppFixture.SocketIdleTimeout.TotalSeconds:0} s", reason, StringComparison.Ordinal);
        Assert.InRange(waited, VoiceAppFixture.SocketIdleTimeout - TimeSpan.FromSeconds(1), VoiceAppFixture.SocketIdleTimeout + TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task AClientThatStopsReadingStopsTheSpeakingAndGetsEverythingWhenItReadsAgain()
    {
        const int Sentences = 64;
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        // A client with a small receive buffer, so little of the audio fits on the way before the server must wait.
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var tcp = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = 16 * 1024 };
                await tcp.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(tcp, ownsSocket: true);
            },
        };
        using var client = SpeechSockets.NewClient();
        client.Options.SetRequestHeader("Authorization", "Bearer " + tenant.ApiKey);
        await client.ConnectAsync(SpeechSockets.Uri(app), new HttpMessageInvoker(handler), CancellationToken.None);
        var socket = new SocketClient(client);
        for (int i = 1; i <= Sentences; i++)
        {
            // ~8 s of speech each: about half a megabyte of base64 audio.
            await socket.SendAsync(new { type = "text", text = $"Sentence number {i} goes on for quite a while, so that its audio is long enough to fill every buffer on the way rather quickly. " });
        }
        await socket.SendAsync(new { type = "close" });

        // Not reading: the server speaks what the buffers on the way take (a few MB of loopback TCP buffers, which the
        // kernel sizes by itself) and a few pieces ahead, then waits — well before the end.
        int queued = await SettledTaskCountAsync(api);
        Assert.InRange(queued, 1, Sentences - 16);

        // Reading again: everything comes, in order, nothing lost.
        var done = await socket.ReceiveUntilAsync(m => m.Type == "done");
        Assert.Equal(Sentences, done.Json.GetProperty("usage").GetProperty("tasks").GetInt32());
        var sequences = socket.Received.Where(m => m.Type == "audio").Select(m => m.Json.GetProperty("sequence").GetInt32()).ToList();
        Assert.Equal(Enumerable.Range(0, sequences.Count), sequences);
        await socket.DisposeAsync();
    }

    /// <summary>The tenant's task count once it stopped growing for three seconds.</summary>
    private static async Task<int> SettledTaskCountAsync(HttpClient api)
    {
        int last = -1, steady = 0;
        var deadline = DateTime.UtcNow + SocketClient.Patience;
        while (DateTime.UtcNow < deadline)
        {
            int count = (await api.GetFromJsonAsync<JsonElement>("/api/v1/tasks?limit=200")).GetProperty("data").GetArrayLength();
            steady = count == last && count > 0 ? steady + 1 : 0;
            if (steady == 3)
            {
                return count;
            }
            last = count;
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        return last;
    }

    private static async Task<T> RetryAsync<T>(Func<Task<T>> attempt)
    {
        for (int i = 0; ; i++)
        {
            try
            {
                return await attempt();
            }
            catch (WebSocketException) when (i < 20)
            {
                await Task.Delay(250);
            }
        }
    }
}
