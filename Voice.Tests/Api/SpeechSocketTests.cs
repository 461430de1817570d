using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Api;

/// <summary>
/// The text-in speech socket with a real WebSocket client against the running platform: audio starts before the text
/// ends, contexts interleave, cancel and disconnect stop the speaking (and the billing), and every protocol error is a
/// close with a status and a reason.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class SpeechSocketTests(VoiceAppFixture app)
{
    private static readonly TimeSpan Patience = SocketClient.Patience;

    [Fact]
    public async Task TheFirstSentencesAudioArrivesBeforeTheLastPieceOfTextIsSent()
    {
        var tenant = await app.CreateTenantAsync();
        await using var socket = await ConnectAsync(tenant.ApiKey);
        await socket.SendAsync(new { type = "settings", voice = "alloy", format = "pcm", timestamps = "word" });
        await socket.SendAsync(new { type = "text", text = "Hello there, this is the first sentence. And the sec" });

        var first = await socket.ReceiveUntilAsync(m => m.Type == "audio");
        Assert.Equal("default", first.Json.GetProperty("context_id").GetString());
        Assert.NotEmpty(Convert.FromBase64String(first.Json.GetProperty("audio").GetString()!));

        await socket.SendAsync(new { type = "text", text = "ond one ends here." });
        await socket.SendAsync(new { type = "close" });
        var done = await socket.ReceiveUntilAsync(m => m.Type == "done");
        var usage = done.Json.GetProperty("usage");
        Assert.Equal(2, usage.GetProperty("tasks").GetInt32());
        Assert.Equal("Hello there, this is the first sentence.".Length + "And the second one ends here.".Length, usage.GetProperty("characters").GetInt32());
        Assert.True(usage.GetProperty("audio_seconds").GetDouble() > 1);

        // Words are placed in the context's whole text and audio: the second sentence's come after the first's.
        var words = socket.Received.Where(m => m.Type == "alignment").SelectMany(m => m.Json.GetProperty("words").EnumerateArray()).ToList();
        var second = words.First(w => w.GetProperty("word").GetString()!.StartsWith("second", StringComparison.Ordinal));
        Assert.Equal("Hello there, this is the first sentence. And the ".Length, second.GetProperty("start_char").GetInt32());
        double firstSentenceEnds = words.Where(w => w.GetProperty("start_char").GetInt32() < 40).Max(w => w.GetProperty("end").GetDouble());
        Assert.True(second.GetProperty("start").GetDouble() >= firstSentenceEnds, "the second piece's words are timed after the first's");
    }

    [Fact]
    public async Task TwoContextsInterleaveEachInItsOwnVoiceAndEndWithItsOwnUsage()
    {
        var tenant = await app.CreateTenantAsync();
        await using var socket = await ConnectAsync(tenant.ApiKey);
        await socket.SendAsync(new { type = "settings", context_id = "narrator", voice = "onyx" });
        await socket.SendAsync(new { type = "settings", context_id = "guest", voice = "nova", binary = true });
        await socket.SendAsync(new { type = "text", context_id = "narrator", text = "The narrator begins. " });
        await socket.SendAsync(new { type = "text", context_id = "guest", text = "The guest replies. " });
        await socket.SendAsync(new { type = "text", context_id = "narrator", text = "The narrator ends." });
        await socket.SendAsync(new { type = "close", context_id = "narrator" });
        await socket.SendAsync(new { type = "close", context_id = "guest" });

        await socket.ReceiveUntilAsync(_ => socket.Received.Count(m => m.Type == "done") == 2);
        var done = socket.Received.Where(m => m.Type == "done").ToDictionary(m => m.Json.GetProperty("context_id").GetString()!);
        Assert.Equal(2, done["narrator"].Json.GetProperty("usage").GetProperty("tasks").GetInt32());
        Assert.Equal(1, done["guest"].Json.GetProperty("usage").GetProperty("tasks").GetInt32());
        // The guest asked for binary audio: headers announce its frames; the narrator's audio is base64 in JSON.
        Assert.Contains(socket.Received, m => m.Type == "audio" && m.Json.GetProperty("context_id").GetString() == "guest" && m.Json.TryGetProperty("bytes", out _));
        Assert.True(socket.BinaryFrames > 0);
        Assert.Contains(socket.Received, m => m.Type == "audio" && m.Json.GetProperty("context_id").GetString() == "narrator" && m.Json.TryGetProperty("audio", out _));
        // Each context's tasks were spoken in its own voice.
        using var api = app.CreateApiClient(tenant.ApiKey);
        foreach (var queued in socket.Received.Where(m => m.Type == "queued"))
        {
            var task = await api.GetFromJsonAsync<JsonElement>($"/api/v1/task/{queued.Json.GetProperty("task_id").GetGuid()}");
            Assert.Equal(queued.Json.GetProperty("context_id").GetString() == "narrator" ? "onyx" : "nova", task.GetProperty("request").GetProperty("voice").GetString());
        }
    }

    [Fact]
    public async Task CancelStopsAContextMidStreamAndItsUnspokenTextIsNotBilled()
    {
        // One job at a time (the plan's limit): the pieces wait their turn, so a cancel always finds text unspoken.
        var tenant = await app.CreateTenantAsync(await app.CreatePlanAsync(new { max_concurrent_jobs = 1 }));
        using var api = app.CreateApiClient(tenant.ApiKey);
        await using var socket = await ConnectAsync(tenant.ApiKey);
        await socket.SendAsync(new { type = "text", text = string.Concat(Enumerable.Range(1, 12).Select(i => $"This is sentence number {i} of a long answer. ")) });
        await socket.ReceiveUntilAsync(m => m.Type == "audio");
        await socket.SendAsync(new { type = "cancel" });

        var canceled = await socket.ReceiveUntilAsync(m => m.Type == "canceled");
        int spoken = canceled.Json.GetProperty("usage").GetProperty("tasks").GetInt32();
        var tasks = socket.Received.Where(m => m.Type == "queued").Select(m => m.Json.GetProperty("task_id").GetGuid()).ToList();
        var statuses = await SettledAsync(api, tasks);
        Assert.True(tasks.Count < 12, $"all {tasks.Count} pieces were queued despite the cancel");
        Assert.True(spoken <= statuses.Count(s => s.Value == "completed"), "usage counts only what was spoken");
        await AssertBilledOnlyAsync(api, statuses);

        // The socket stays open: the same context id starts again.
        await socket.SendAsync(new { type = "text", text = "A fresh start." });
        await socket.SendAsync(new { type = "close" });
        Assert.Equal(1, (await socket.ReceiveUntilAsync(m => m.Type == "done")).Json.GetProperty("usage").GetProperty("tasks").GetInt32());
    }

    [Fact]
    public async Task AnAbruptDisconnectCancelsWhatWasNotSpokenAndBillsOnlyWhatWas()
    {
        var tenant = await app.CreateTenantAsync(await app.CreatePlanAsync(new { max_concurrent_jobs = 1 }));
        using var api = app.CreateApiClient(tenant.ApiKey);
        var socket = await ConnectAsync(tenant.ApiKey);
        await socket.SendAsync(new { type = "text", text = string.Concat(Enumerable.Range(1, 12).Select(i => $"Sentence {i} of something nobody will hear. ")) });
        await socket.ReceiveUntilAsync(m => m.Type == "audio");
        socket.Abort(); // no close frame: the network went away

        await Task.Delay(TimeSpan.FromSeconds(2)); // what was queued by then is all the server will ever queue
        var statuses = await SettledAsync(api, await QueuedAsync(api));
        Assert.True(statuses.Count(s => s.Value == "completed") < 12, "every piece was spoken although nobody listened");
        Assert.DoesNotContain(statuses, s => s.Value is not ("completed" or "canceled"));
        await AssertBilledOnlyAsync(api, statuses);
    }

    /// <summary>The tenant's tasks (a fresh tenant's are all the socket's).</summary>
    private static async Task<List<Guid>> QueuedAsync(HttpClient api) =>
        [.. (await api.GetFromJsonAsync<JsonElement>("/api/v1/tasks?limit=200")).GetProperty("data").EnumerateArray().Select(t => t.GetProperty("task_id").GetGuid())];

    public static TheoryData<string, WebSocketCloseStatus, string> ProtocolErrors() => new()
    {
        { "{not json", WebSocketCloseStatus.InvalidPayloadData, "not valid JSON" },
        { "[1, 2]", WebSocketCloseStatus.InvalidPayloadData, "one JSON object" },
        { """{"text": "no type"}""", WebSocketCloseStatus.PolicyViolation, "'type'" },
        { """{"type": "sing"}""", WebSocketCloseStatus.PolicyViolation, "Unknown message type 'sing'" },
        { """{"type": "text"}""", WebSocketCloseStatus.PolicyViolation, "'text' string" },
        { """{"type": "text", "text": 5}""", WebSocketCloseStatus.PolicyViolation, "'text' is a string" },
        { """{"type": "text", "text": "x", "context_id": "no spaces allowed"}""", WebSocketCloseStatus.PolicyViolation, "context_id" },
        { """{"type": "settings", "format": "wav"}""", WebSocketCloseStatus.PolicyViolation, "not 'wav'" },
        { """{"type": "settings", "idle_ms": 5}""", WebSocketCloseStatus.PolicyViolation, "idle_ms" },
        { """{"type": "settings", "timestamps": "char"}""", WebSocketCloseStatus.PolicyViolation, "timestamps" },
    };

    [Theory]
    [MemberData(nameof(ProtocolErrors))]
    public async Task EveryProtocolErrorClosesTheSocketWithAStatusAndAReason(string message, WebSocketCloseStatus status, string reason)
    {
        var tenant = await app.CreateTenantAsync();
        await using var socket = await ConnectAsync(tenant.ApiKey);
        await socket.SendRawAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text);

        var (closed, why) = await socket.ClosedAsync();
        Assert.Equal(status, closed);
        Assert.Contains(reason, why, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BinaryOversizedAndStateErrorsCloseTheSocketToo()
    {
        var tenant = await app.CreateTenantAsync();
        await using (var binary = await ConnectAsync(tenant.ApiKey))
        {
            await binary.SendRawAsync([1, 2, 3], WebSocketMessageType.Binary);
            Assert.Equal(WebSocketCloseStatus.InvalidMessageType, (await binary.ClosedAsync()).Status);
        }
        await using (var huge = await ConnectAsync(tenant.ApiKey))
        {
            await huge.SendRawAsync(Encoding.UTF8.GetBytes($$"""{"type":"text","text":"{{new string('a', 70_000)}}"}"""), WebSocketMessageType.Text);
            Assert.Equal(WebSocketCloseStatus.MessageTooBig, (await huge.ClosedAsync()).Status);
        }
        await using (var late = await ConnectAsync(tenant.ApiKey))
        {
            await late.SendAsync(new { type = "text", text = "Settings come first" });
            await late.SendAsync(new { type = "settings", voice = "nova" });
            var (status, reason) = await late.ClosedAsync();
            Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
            Assert.Contains("before its first text", reason, StringComparison.Ordinal);
        }
        await using (var crowded = await ConnectAsync(tenant.ApiKey))
        {
            for (int i = 0; i < 9; i++)
            {
                await crowded.SendAsync(new { type = "settings", context_id = $"c{i}" });
            }
            var (status, reason) = await crowded.ClosedAsync();
            Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
            Assert.Contains("At most 8 contexts", reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ARefusedPieceEndsItsContextWithAnErrorAndTheSocketGoesOn()
    {
        var tenant = await app.CreateTenantAsync();
        await using var socket = await ConnectAsync(tenant.ApiKey);
        await socket.SendAsync(new { type = "settings", context_id = "bad", voice = "no-such-voice" });
        await socket.SendAsync(new { type = "text", context_id = "bad", text = "Nobody speaks this." });
        await socket.SendAsync(new { type = "flush", context_id = "bad" });
        var error = await socket.ReceiveUntilAsync(m => m.Type == "error");
        Assert.Equal(400, error.Json.GetProperty("status").GetInt32());
        Assert.Contains("no-such-voice", error.Json.GetProperty("message").GetString(), StringComparison.Ordinal);

        await socket.SendAsync(new { type = "text", context_id = "good", text = "But this is fine." });
        await socket.SendAsync(new { type = "close", context_id = "good" });
        Assert.Equal("good", (await socket.ReceiveUntilAsync(m => m.Type == "done")).Json.GetProperty("context_id").GetString());
    }

    [Fact]
    public async Task TheUpgradesHeaderIsAuthenticatedAndOnlyAWebSocketIsAccepted()
    {
        using var badKey = SpeechSockets.NewClient();
        badKey.Options.SetRequestHeader("Authorization", "Bearer vk_live_aaaaaaaaaaaa_" + new string('A', 32));
        var failed = await Assert.ThrowsAnyAsync<WebSocketException>(() => badKey.ConnectAsync(SocketUri(), CancellationToken.None));
        Assert.Contains("401", failed.Message, StringComparison.Ordinal);

        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        using var plain = await api.GetAsync("/v1/audio/speech/stream-input");
        Assert.Equal(HttpStatusCode.BadRequest, plain.StatusCode);
        // Without a key, only a WebSocket upgrade gets in (and must then authenticate by its first message).
        using var anonymous = app.CreateApiClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/audio/speech/stream-input")).StatusCode);
    }

    private Uri SocketUri() => SpeechSockets.Uri(app);

    private Task<SocketClient> ConnectAsync(string apiKey) => SpeechSockets.ConnectAsync(app, apiKey);

    /// <summary>Waits until every task is settled; its status by id.</summary>
    private static async Task<Dictionary<Guid, string>> SettledAsync(HttpClient api, IEnumerable<Guid> tasks)
    {
        var statuses = new Dictionary<Guid, string>();
        foreach (var task in tasks)
        {
            statuses[task] = (await TaskPolling.WaitForFinishAsync(api, task, Patience)).GetProperty("status").GetString()!;
        }
        return statuses;
    }

    /// <summary>Usage was recorded for exactly the tasks that completed: canceled text costs nothing.</summary>
    private static async Task AssertBilledOnlyAsync(HttpClient api, Dictionary<Guid, string> statuses)
    {
        var billed = (await api.GetFromJsonAsync<JsonElement>("/api/v1/usage/records")).GetProperty("data").EnumerateArray()
            .Where(r => r.GetProperty("kind").GetString() == "speech").Select(r => r.GetProperty("job_id").GetGuid()).ToHashSet();
        Assert.Equal(statuses.Where(s => s.Value == "completed").Select(s => s.Key).ToHashSet(), billed);
    }
}
