using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using HdrHistogram;

/// <summary>
/// The speech socket's latency: from sending one complete sentence (the first of a context) to its first audio message,
/// with 1 and with 20 sockets at once, beside POST /v1/audio/speech streaming the same sentence as pcm at the same
/// concurrency (request sent → first audio byte) in the same run, both spread over the same tenants.
/// </summary>
internal static class RealtimeLatency
{
    public const string Sentence = "The platform streams speech as soon as the first sentence is made. ";

    public static async Task<object> MeasureAsync(HttpClient http, IReadOnlyList<string> keys, int rounds)
    {
        var socketUri = new UriBuilder(http.BaseAddress!) { Scheme = "ws", Path = "/v1/audio/speech/stream-input" }.Uri;
        var results = new List<object>();
        foreach (int concurrency in new[] { 1, 20 })
        {
            var socket = new LongHistogram(600_000_000, 3);
            var post = new LongHistogram(600_000_000, 3);
            for (int round = 0; round < rounds; round++)
            {
                foreach (double ms in await Task.WhenAll(Enumerable.Range(0, concurrency).Select(i => SocketFirstAudioAsync(socketUri, keys[i % keys.Count]))))
                {
                    socket.RecordValue((long)(ms * 1000));
                }
                foreach (double ms in await Task.WhenAll(Enumerable.Range(0, concurrency).Select(i => PostFirstByteAsync(http, keys[i % keys.Count]))))
                {
                    post.RecordValue((long)(ms * 1000));
                }
            }
            results.Add(new
            {
                concurrency,
                samples = concurrency * rounds,
                socket_first_audio_p50_ms = Ms(socket, 50),
                socket_first_audio_p99_ms = Ms(socket, 99),
                speech_post_first_byte_p50_ms = Ms(post, 50),
                speech_post_first_byte_p99_ms = Ms(post, 99),
            });
        }
        return results;
    }

    /// <summary>Connects (not timed), then times one complete sentence → its first audio message.</summary>
    private static async Task<double> SocketFirstAudioAsync(Uri uri, string key)
    {
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + key);
        await socket.ConnectAsync(uri, CancellationToken.None);
        await ReceiveTypeAsync(socket, "ready");
        await SendAsync(socket, new { type = "settings", voice = "alloy", format = "pcm" });
        long sent = Stopwatch.GetTimestamp();
        await SendAsync(socket, new { type = "text", text = Sentence });
        await ReceiveTypeAsync(socket, "audio");
        double ms = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
        await SendAsync(socket, new { type = "close" });
        await ReceiveTypeAsync(socket, "done");
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bench", CancellationToken.None);
        return ms;
    }

    private static async Task<double> PostFirstByteAsync(HttpClient http, string key)
    {
        long start = Stopwatch.GetTimestamp();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/audio/speech")
        {
            Content = JsonContent.Create(new { model = "tts-1", input = Sentence.Trim(), voice = "alloy", response_format = "pcm" }),
            Headers = { Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key) },
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[16 * 1024];
        _ = await body.ReadAsync(buffer); // any first bytes: the time to first audio
        double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        while (await body.ReadAsync(buffer) > 0)
        {
        }
        return ms;
    }

    private static Task SendAsync(ClientWebSocket socket, object message) =>
        socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message), WebSocketMessageType.Text, true, CancellationToken.None);

    private static async Task ReceiveTypeAsync(ClientWebSocket socket, string type)
    {
        var buffer = new byte[256 * 1024];
        while (true)
        {
            int length = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                length += result.Count;
            }
            while (!result.EndOfMessage);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new InvalidOperationException($"closed: {socket.CloseStatus} {socket.CloseStatusDescription}");
            }
            if (result.MessageType == WebSocketMessageType.Text
                && JsonDocument.Parse(Encoding.UTF8.GetString(buffer, 0, length)).RootElement.GetProperty("type").GetString() == type)
            {
                return;
            }
        }
    }

    private static double Ms(LongHistogram h, double p) => h.GetValueAtPercentile(p) / 1000.0;
}
