using System.ClientModel;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using OpenAI.Audio;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Api;

/// <summary>
/// The OpenAI-compatible speech route, driven by OpenAI's own .NET client pointed at the running API, and its
/// errors in OpenAI's shape.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class OpenAiApiTests(VoiceAppFixture app)
{
    private const string Sentence = "The quick brown fox jumps over the lazy dog, twice.";

    [Theory]
    [InlineData("mp3", "mp3", 24_000)]
    [InlineData("opus", "opus", 48_000)]
    [InlineData("aac", "aac", 24_000)]
    [InlineData("flac", "flac", 24_000)]
    [InlineData("wav", "pcm_s16le", 24_000)]
    [InlineData("pcm", null, 24_000)]
    public async Task TheOfficialClientGetsAudioInEveryFormat(string format, string? codec, int sampleRate)
    {
        var tenant = await app.CreateTenantAsync();
        var client = Client(tenant.ApiKey);

        BinaryData speech = await client.GenerateSpeechAsync(Sentence, new GeneratedSpeechVoice("onyx"),
            new SpeechGenerationOptions { ResponseFormat = new GeneratedSpeechFormat(format), SpeedRatio = 1.0f });

        byte[] bytes = speech.ToArray();
        double seconds;
        if (codec is null)
        {
            seconds = bytes.Length / 2.0 / sampleRate; // raw 16-bit mono
        }
        else
        {
            var probe = await AudioTools.ProbeAsync(bytes);
            Assert.Equal(codec, probe.Codec);
            Assert.Equal(sampleRate, probe.SampleRate);
            Assert.Equal(1, probe.Channels);
            // A streamed FLAC's header cannot know the total length (it was written before the audio was made):
            // decode it to count.
            seconds = probe.Duration > 0 ? probe.Duration : (await AudioTools.ProbeAsync(await AudioTools.FfmpegAsync(bytes, "wav"))).Duration;
        }
        Assert.InRange(seconds, 2.0, 8.0); // a ten-word sentence at a normal pace
    }

    [Fact]
    public async Task AudioArrivesWhileTheRestIsStillBeingSpoken()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        string input = string.Concat(Enumerable.Repeat("Every sentence here is spoken in turn, and the first is heard before the last is made. ", 60));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/audio/speech")
        {
            Content = JsonContent.Create(new { model = "tts-1", input, voice = "nova", response_format = "pcm" }),
        };

        using var response = await api.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(response.Content.Headers.ContentLength); // chunked: the length is not known yet
        var taskId = Guid.Parse(response.Headers.GetValues("X-Task-Id").Single());
        await using var body = await response.Content.ReadAsStreamAsync();
        var first = new byte[4800];
        await body.ReadExactlyAsync(first);
        string statusAtFirstAudio = (await api.GetFromJsonAsync<JsonElement>($"/api/v1/task/{taskId}")).GetProperty("status").GetString()!;
        using var rest = new MemoryStream();
        await body.CopyToAsync(rest);

        Assert.Equal("running", statusAtFirstAudio);
        var task = await api.GetFromJsonAsync<JsonElement>($"/api/v1/task/{taskId}");
        Assert.Equal("completed", task.GetProperty("status").GetString());
        double streamed = (first.Length + rest.Length) / 2.0 / 24_000;
        double stored = task.GetProperty("result").GetProperty("duration_seconds").GetDouble();
        Assert.InRange(streamed, stored - 0.05, stored + 0.05); // the stream is the whole audio
        Assert.InRange(streamed, 120, 600); // ~5,000 characters
    }

    [Fact]
    public async Task ServerSentEventsCarryEveryByteOfTheStoredAudioThenUsage()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        string input = string.Concat(Enumerable.Repeat("Events carry the audio in pieces. ", 20)).TrimEnd();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/audio/speech")
        {
            Content = JsonContent.Create(new { model = "gpt-4o-mini-tts", input, voice = "coral", response_format = "mp3", stream_format = "sse" }),
        };

        using var response = await api.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var taskId = Guid.Parse(response.Headers.GetValues("X-Task-Id").Single());
        string body = await response.Content.ReadAsStringAsync();

        var events = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement).ToList();
        Assert.All(events, e => Assert.True(e.TryGetProperty("type", out _)));
        Assert.True(events.Count >= 3, $"only {events.Count} events");
        Assert.All(events[..^1], e => Assert.Equal("speech.audio.delta", e.GetProperty("type").GetString()));
        var done = events[^1];
        Assert.Equal("speech.audio.done", done.GetProperty("type").GetString());
        Assert.Equal(input.Length, done.GetProperty("usage").GetProperty("input_tokens").GetInt32());
        byte[] streamed = [.. events[..^1].SelectMany(e => Convert.FromBase64String(e.GetProperty("audio").GetString()!))];

        // The deltas, joined, are byte for byte the job's stored result.
        var task = await api.GetFromJsonAsync<JsonElement>($"/api/v1/task/{taskId}");
        using var plain = new HttpClient();
        byte[] stored = await plain.GetByteArrayAsync(task.GetProperty("result_url").GetString());
        Assert.Equal(stored, streamed);
        Assert.Equal("mp3", (await AudioTools.ProbeAsync(streamed)).Codec);
        Assert.InRange(done.GetProperty("usage").GetProperty("audio_seconds").GetDouble(), 20, 120);
    }

    [Fact]
    public async Task InstructionsReshapeAPresetAndKeepItsGender()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        const string input = "The instructions decide how this sentence is read aloud to you.";

        float[] plain = await SpeakPcmAsync(api, new { model = "gpt-4o-mini-tts", input, voice = "nova", response_format = "pcm" });
        float[] slow = await SpeakPcmAsync(api, new { model = "gpt-4o-mini-tts", input, voice = "nova", response_format = "pcm", instructions = "Speak very slowly and calmly." });

        Assert.True(slow.Length > plain.Length * 1.25, $"slow {slow.Length / 24_000.0:F2} s against {plain.Length / 24_000.0:F2} s");
        Assert.True(Voice.Audio.Analysis.VoiceAnalyzer.Analyze(slow, 24_000).MedianF0Hz > 150, "nova's designed variant should still be a female voice");
    }

    private static async Task<float[]> SpeakPcmAsync(HttpClient api, object body)
    {
        using var response = await api.PostAsJsonAsync("/v1/audio/speech", body);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        byte[] pcm = await response.Content.ReadAsByteArrayAsync();
        var samples = new float[pcm.Length / 2];
        for (int i = 0; i < samples.Length; i++)
        {
            samples[i] = BitConverter.ToInt16(pcm, i * 2) / 32768f;
        }
        return samples;
    }

    [Fact]
    public async Task ModelsAndVoicesAreListedInOpenAisShapes()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        using (var created = await api.PostAsJsonAsync("/api/v1/voices", new { name = "Mine", description = "a calm low male voice", language = "en" }))
        {
            var voiceId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
            await WaitForReadyAsync(api, voiceId!);
        }

        var models = await api.GetFromJsonAsync<JsonElement>("/v1/models");
        Assert.Equal("list", models.GetProperty("object").GetString());
        Assert.Contains(models.GetProperty("data").EnumerateArray(), m => m.GetProperty("id").GetString() == "tts-1" && m.GetProperty("object").GetString() == "model");
        var voices = (await api.GetFromJsonAsync<JsonElement>("/v1/audio/voices")).GetProperty("data").EnumerateArray().ToList();
        Assert.Contains(voices, v => v.GetProperty("id").GetString() == "alloy");
        var mine = Assert.Single(voices, v => v.GetProperty("name").GetString() == "Mine");

        // The tenant's voice speaks through the official client by its id.
        BinaryData speech = await Client(tenant.ApiKey).GenerateSpeechAsync("Hello from my own voice.", new GeneratedSpeechVoice(mine.GetProperty("id").GetString()!),
            new SpeechGenerationOptions { ResponseFormat = GeneratedSpeechFormat.Wav });
        Assert.Equal("pcm_s16le", (await AudioTools.ProbeAsync(speech.ToArray())).Codec);
    }

    public static TheoryData<object, int, string?, string> BadRequests => new()
    {
        { new { model = "tts-1", input = "Hi.", voice = "nobody" }, 400, "voice", "invalid_request_error" },
        { new { model = "tts-1", input = "Hi.", voice = "alloy", response_format = "mp4" }, 400, "response_format", "invalid_request_error" },
        { new { model = "tts-1", input = new string('a', 30_000), voice = "alloy" }, 400, "input", "invalid_request_error" },
        { new { model = "tts-1", input = "", voice = "alloy" }, 400, "input", "invalid_request_error" },
        { new { model = "tts-1", input = "Hi.", voice = "alloy", speed = 5.0 }, 400, "speed", "invalid_request_error" },
        { new { model = "dall-e-3", input = "Hi.", voice = "alloy" }, 400, "model", "invalid_request_error" },
        { new { model = "gpt-4o-mini-tts-preview", input = "Hi.", voice = "alloy" }, 400, "model", "invalid_request_error" },
        { new { model = "gpt-4o-mini-tts-2025-13-45", input = "Hi.", voice = "alloy" }, 400, "model", "invalid_request_error" },
        { new { model = "tts-1", input = "Hi.", voice = 42 }, 400, "voice", "invalid_request_error" },
        { new { model = "tts-1", input = "Hi.", voice = new[] { "alloy" } }, 400, "voice", "invalid_request_error" },
        { new { model = "tts-1", input = "Hi.", voice = new { name = "alloy" } }, 400, "voice", "invalid_request_error" },
        { new { model = "tts-1", input = "Hi.", voice = new { id = "nobody" } }, 400, "voice", "invalid_request_error" },
        { new { model = "tts-1", input = "Hi.", voice = "alloy", language = "tlh" }, 400, "language", "invalid_request_error" },
        { new { model = "tts-1", input = "Hi.", voice = "alloy", stream_format = "websocket" }, 400, "stream_format", "invalid_request_error" },
        { new { model = "tts-1", input = "Hi." }, 400, "voice", "invalid_request_error" },
        { new { model = "tts-1", input = "Hi.", voice = "alloy", timestamps = "word" }, 400, "timestamps", "invalid_request_error" },
        { new { model = "tts-1", input = "Hi.", voice = "alloy", stream_format = "sse", timestamps = "phoneme" }, 400, "timestamps", "invalid_request_error" },
        { new { model = "tts-1", input = "Hi.", voice = "0193a1c2-0000-7000-8000-000000000000", instructions = "Speak slowly." }, 400, "instructions", "invalid_request_error" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadRequestsGetOpenAisErrorShape(object body, int status, string? param, string type)
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);

        using var response = await api.PostAsJsonAsync("/v1/audio/speech", body);

        var error = await ErrorAsync(response, status);
        Assert.Equal(type, error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task MissingKeyAndExhaustedQuotaAreOpenAiErrorsTooAndTheClientRaisesThem()
    {
        using var anonymous = app.CreateApiClient();
        using var unauthenticated = await anonymous.PostAsJsonAsync("/v1/audio/speech", new { model = "tts-1", input = "Hi.", voice = "alloy" });
        Assert.Equal("invalid_api_key", (await ErrorAsync(unauthenticated, 401)).GetProperty("code").GetString());

        string plan = await app.CreatePlanAsync(new { monthly_characters = 10 });
        var tenant = await app.CreateTenantAsync(plan);
        using var api = app.CreateApiClient(tenant.ApiKey);
        using var overQuota = await api.PostAsJsonAsync("/v1/audio/speech", new { model = "tts-1", input = "Eleven char", voice = "alloy" });
        Assert.Null(overQuota.Headers.RetryAfter); // OpenAI's clients would sleep until the quota resets
        var error = await ErrorAsync(overQuota, 429);
        Assert.Equal("insufficient_quota", error.GetProperty("type").GetString());
        Assert.Equal("insufficient_quota", error.GetProperty("code").GetString());

        var raised = await Assert.ThrowsAsync<ClientResultException>(() => Client(tenant.ApiKey).GenerateSpeechAsync("Eleven char", GeneratedSpeechVoice.Alloy));
        Assert.Equal(429, raised.Status);
    }

    [Fact]
    public async Task AStreamingRequestOvertakesItsTenantsQueuedBatchWork()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        // Long enough that the backlog outlasts its own submission on a slow machine too.
        string text = string.Concat(Enumerable.Repeat("Batch work that nobody is waiting to hear right now. ", 12));
        var batch = new List<Guid>();
        for (int i = 0; i < 30; i++)
        {
            using var queued = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text, format = "wav" });
            Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
            batch.Add((await queued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetGuid());
        }

        // Queued last, in the same tenant's name, it is picked before the tenant's own backlog (the live lane).
        using var response = await api.PostAsJsonAsync("/v1/audio/speech", new { model = "tts-1", input = "I am heard first.", voice = "alloy", response_format = "pcm" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var live = Guid.Parse(response.Headers.GetValues("X-Task-Id").Single());
        var liveTask = await api.GetFromJsonAsync<JsonElement>($"/api/v1/task/{live}");
        var liveSubmitted = liveTask.GetProperty("created_at").GetDateTimeOffset();
        var liveStarted = liveTask.GetProperty("started_at").GetDateTimeOffset();

        // Of the batch jobs still waiting when the live one arrived (server clocks), only those the workers were
        // already claiming may start before it: two slots, plus one claim in flight.
        int waiting = 0, overtook = 0;
        foreach (var id in batch)
        {
            var started = (await TaskPolling.WaitForFinishAsync(api, id, TimeSpan.FromSeconds(120))).GetProperty("started_at").GetDateTimeOffset();
            if (started > liveSubmitted)
            {
                waiting++;
                overtook += started < liveStarted ? 1 : 0;
            }
        }
        Assert.True(waiting >= 10, $"only {waiting} of the 30 batch jobs were still waiting when the live job arrived: nothing measured");
        Assert.True(overtook <= 3, $"{overtook} of the {waiting} waiting batch jobs started before the streaming job");
    }

    [Fact]
    public async Task AClientThatGoesAwayCancelsItsJob()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        string input = string.Concat(Enumerable.Repeat("A long sentence that takes the engine a while to speak. ", 300)); // ~17,000 characters

        // The client reads the headers (sent with the first audio, so the job exists and is running), then hangs up
        // mid-stream. (A fixed timeout instead would race the job's creation on a slow machine.)
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/v1/audio/speech") { Content = JsonContent.Create(new { model = "tts-1", input, voice = "alloy", response_format = "wav" }) })
        using (var response = await api.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            response.EnsureSuccessStatusCode();
            Assert.True(response.Headers.Contains("X-Task-Id"));
        }

        // The job the request made ends canceled, not completed: nobody is waiting for its audio.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var tasks = (await api.GetFromJsonAsync<JsonElement>("/api/v1/tasks")).GetProperty("data").EnumerateArray().ToList();
            var task = Assert.Single(tasks);
            string status = task.GetProperty("status").GetString()!;
            if (status is not ("queued" or "running"))
            {
                Assert.Equal("canceled", status);
                break;
            }
            Assert.True(DateTime.UtcNow < deadline, "the job was not canceled after its client went away");
            await Task.Delay(100);
        }
    }

    private AudioClient Client(string apiKey) => app.CreateOpenAiAudioClient(apiKey);

    private static async Task<JsonElement> ErrorAsync(HttpResponseMessage response, int status)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(body).RootElement.GetProperty("error");
    }

    private static async Task WaitForReadyAsync(HttpClient api, string voiceId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await api.GetFromJsonAsync<JsonElement>($"/api/v1/voices/{voiceId}")).GetProperty("status").GetString() != "ready")
        {
            Assert.True(DateTime.UtcNow < deadline, "the voice did not become ready");
            await Task.Delay(100);
        }
    }
}
