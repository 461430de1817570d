using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Api;

/// <summary>POST /api/v1/dialogue/stream (the dialogue's audio as it is spoken) and POST /api/v1/dialogue's Idempotency-Key.</summary>
[Collection(AppCollection.Name)]
public sealed class DialogueStreamApiTests(VoiceAppFixture app)
{
    private const int PauseMs = 400;

    private static readonly (string Voice, string Text)[] Turns =
    [
        ("alloy", "Good morning! Did you sleep well?"),
        ("onyx", "Not really, the storm kept me awake."),
        ("alloy", "Then coffee first."),
    ];

    private static object Body(IEnumerable<(string Voice, string Text)> turns, string format = "wav") =>
        new { turns = turns.Select(t => new { voice = t.Voice, text = t.Text }), format, pause_ms = PauseMs };

    [Fact]
    public async Task AStreamedDialogueIsItsAudioAsSpokenWithSilentPausesAndATaskWithUsagePerVoice()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        var queued = await SpeakAsync(api, Body(Turns));

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/dialogue/stream") { Content = JsonContent.Create(Body(Turns)) };
        using var response = await api.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("audio/wav", response.Content.Headers.ContentType?.MediaType);
        Assert.Null(response.Content.Headers.ContentLength); // chunked: the length is not known yet
        var taskId = Guid.Parse(response.Headers.GetValues("X-Task-Id").Single());
        byte[] streamed = await response.Content.ReadAsByteArrayAsync();

        // Playable WAV, as long as the same dialogue queued (the engine may vary a little between runs).
        var probe = await AudioTools.ProbeAsync(streamed);
        Assert.Equal(("pcm_s16le", 24_000, 1), (probe.Codec, probe.SampleRate, probe.Channels));
        short[] samples = Samples(streamed);
        double seconds = samples.Length / 24_000.0;
        double expected = queued.GetProperty("result").GetProperty("duration_seconds").GetDouble();
        Assert.InRange(seconds, expected - Math.Max(0.25, expected * 0.05), expected + Math.Max(0.25, expected * 0.05));

        // The task completed as a dialogue, its stored audio exactly what was streamed, its usage per voice.
        var done = await TaskPolling.WaitForFinishAsync(api, taskId, TimeSpan.FromSeconds(90));
        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.Equal("dialogue", done.GetProperty("request").GetProperty("kind").GetString());
        Assert.Equal(streamed, await api.GetByteArrayAsync($"/api/v1/task/{taskId}/audio"));
        var dialogue = done.GetProperty("dialogue");
        var usage = dialogue.GetProperty("usage").EnumerateArray().ToDictionary(u => u.GetProperty("voice").GetString()!);
        Assert.Equal(2, usage["alloy"].GetProperty("turns").GetInt32());
        Assert.Equal(Turns[0].Text.Length + Turns[2].Text.Length, usage["alloy"].GetProperty("characters").GetInt32());
        Assert.Equal(Turns[1].Text.Length, usage["onyx"].GetProperty("characters").GetInt32());
        Assert.Equal(seconds, usage.Values.Sum(u => u.GetProperty("audio_seconds").GetDouble()), 1);

        // Each pause is silence in the stream (its edges aside: the resampler's tail may reach into it).
        var starts = dialogue.GetProperty("turns").EnumerateArray().Select(t => t.GetProperty("start").GetDouble()).ToList();
        foreach (double start in starts.Skip(1))
        {
            int from = (int)((start - PauseMs / 1000.0 + 0.05) * 24_000), to = (int)((start - 0.05) * 24_000);
            int loudest = samples[from..to].Max(s => Math.Abs((int)s));
            Assert.True(loudest <= 16, $"the pause before {start:0.000} s is not silent: a sample of {loudest}");
        }
    }

    [Fact]
    public async Task AnInvalidStreamedDialogueIsAProblemBeforeAnyAudio()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);

        using var response = await api.PostAsJsonAsync("/api/v1/dialogue/stream", Body([Turns[0], ("nobody", "Who am I?")]));

        var problem = await GenerateValidationTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");
        Assert.True(problem.GetProperty("errors").TryGetProperty("turns[1].voice", out _), problem.ToString());
        Assert.False(response.Headers.Contains("X-Task-Id"));
        var tasks = await api.GetFromJsonAsync<JsonElement>("/api/v1/tasks");
        Assert.Empty(tasks.GetProperty("data").EnumerateArray()); // nothing was queued
    }

    [Fact]
    public async Task AStreamedDialogueStartsWhileItIsSpokenAndAClientThatLeavesCancelsIt()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        string text = string.Concat(Enumerable.Repeat("A long sentence that takes the engine a while to speak. ", 160)); // ~9,000 characters a turn

        // The headers come with the first audio: the job exists and is running when the client hangs up.
        Guid taskId;
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/dialogue/stream") { Content = JsonContent.Create(Body([("alloy", text), ("onyx", text)])) })
        using (var response = await api.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            response.EnsureSuccessStatusCode();
            taskId = Guid.Parse(response.Headers.GetValues("X-Task-Id").Single());
            // Live: the first audio came while the rest is still being spoken.
            Assert.Equal("running", (await api.GetFromJsonAsync<JsonElement>($"/api/v1/task/{taskId}")).GetProperty("status").GetString());
        }

        var done = await TaskPolling.WaitForFinishAsync(api, taskId, TimeSpan.FromSeconds(30));
        Assert.Equal("canceled", done.GetProperty("status").GetString());
    }

    [Fact]
    public async Task ADialogueRetriedWithItsIdempotencyKeyIsTheSameTaskAndAnotherDialogueWithItIsA409()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        string key = Guid.NewGuid().ToString();

        using var first = await SubmitAsync(api, "/api/v1/dialogue", Body(Turns), key);
        using var retry = await SubmitAsync(api, "/api/v1/dialogue", Body(Turns), key);
        using var another = await SubmitAsync(api, "/api/v1/dialogue", Body(Turns.Take(2)), key);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
        var a = await first.Content.ReadFromJsonAsync<JsonElement>();
        var b = await retry.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(a.GetProperty("task_id").GetGuid(), b.GetProperty("task_id").GetGuid());
        Assert.Equal(a.GetProperty("status_url").GetString(), b.GetProperty("status_url").GetString());
        await GenerateValidationTests.AssertProblemAsync(another, HttpStatusCode.Conflict, "https://voice.dev/problems/idempotency-key-reused");
        Assert.Single((await api.GetFromJsonAsync<JsonElement>("/api/v1/tasks")).GetProperty("data").EnumerateArray());

        using var badKey = await SubmitAsync(api, "/api/v1/dialogue", Body(Turns), "");
        await GenerateValidationTests.AssertProblemAsync(badKey, HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");
    }

    [Fact]
    public async Task TheStreamedDialogueIgnoresAnIdempotencyKeyAsTheStreamedSpeechRouteDoes()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        string key = Guid.NewGuid().ToString();
        using var queued = await SubmitAsync(api, "/api/v1/dialogue", Body(Turns.Take(1)), key);
        Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);

        using var streamed = await SubmitAsync(api, "/api/v1/dialogue/stream", Body(Turns.Take(1)), key);

        Assert.Equal(HttpStatusCode.OK, streamed.StatusCode);
        var queuedId = (await queued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetGuid();
        Assert.NotEqual(queuedId, Guid.Parse(streamed.Headers.GetValues("X-Task-Id").Single())); // a task of its own, not a replay
        Assert.True((await streamed.Content.ReadAsByteArrayAsync()).Length > 44);
    }

    private static Task<HttpResponseMessage> SubmitAsync(HttpClient api, string path, object body, string idempotencyKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        return api.SendAsync(request);
    }

    private static async Task<JsonElement> SpeakAsync(HttpClient api, object body)
    {
        using var response = await api.PostAsJsonAsync("/api/v1/dialogue", body);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetGuid();
        var done = await TaskPolling.WaitForFinishAsync(api, id, TimeSpan.FromSeconds(90));
        Assert.True(done.GetProperty("status").GetString() == "completed", done.ToString());
        return done;
    }

    /// <summary>A 16-bit WAV's samples: everything after the data chunk's header (a streamed WAV's sizes say "unknown").</summary>
    private static short[] Samples(byte[] wav)
    {
        int offset = 12;
        while (Encoding.ASCII.GetString(wav, offset, 4) != "data")
        {
            offset += 8 + (int)BinaryPrimitives.ReadUInt32LittleEndian(wav.AsSpan(offset + 4));
        }
        var data = wav.AsSpan(offset + 8);
        var samples = new short[data.Length / 2];
        for (int i = 0; i < samples.Length; i++)
        {
            samples[i] = BinaryPrimitives.ReadInt16LittleEndian(data[(2 * i)..]);
        }
        return samples;
    }
}
