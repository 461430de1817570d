using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Api;

/// <summary>POST /api/v1/dialogue: turns in several voices spoken into one file, with pauses, timed words and usage per voice.</summary>
[Collection(AppCollection.Name)]
public sealed class DialogueApiTests(VoiceAppFixture app)
{
    private static readonly (string Voice, string Text)[] Turns =
    [
        ("alloy", "Good morning! Did you sleep well?"),
        ("onyx", "Not really, the storm kept me awake."),
        ("alloy", "Then coffee first."),
    ];

    [Fact]
    public async Task ThreeTurnsInTwoVoicesBecomeOneFileWithPausesTimedWordsAndUsagePerVoice()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        const int pauseMs = 400;

        var done = await SpeakAsync(api, "/api/v1/dialogue",
            new { turns = Turns.Select(t => new { voice = t.Voice, text = t.Text }), format = "wav", timestamps = "word", pause_ms = pauseMs });
        var alone = new List<double>();
        foreach (var (voice, text) in Turns)
        {
            var single = await SpeakAsync(api, "/api/v1/voice/generate", new { voice, text, format = "wav" });
            alone.Add(single.GetProperty("result").GetProperty("duration_seconds").GetDouble());
        }

        // One file: the turns as long as each spoken alone, and the pauses between them.
        double duration = done.GetProperty("result").GetProperty("duration_seconds").GetDouble();
        Assert.InRange(duration, alone.Sum() + 2 * pauseMs / 1000.0 - 0.1, alone.Sum() + 2 * pauseMs / 1000.0 + 0.1);
        var taskId = done.GetProperty("task_id").GetGuid();
        var probe = await AudioTools.ProbeAsync(await api.GetByteArrayAsync($"/api/v1/task/{taskId}/audio"));
        Assert.InRange(probe.Duration, duration - 0.05, duration + 0.05);
        Assert.Equal("dialogue", done.GetProperty("request").GetProperty("kind").GetString());

        // Each turn starts where the previous one ended plus the pause.
        var dialogue = done.GetProperty("dialogue");
        Assert.Equal(pauseMs, dialogue.GetProperty("pause_ms").GetInt32());
        var starts = dialogue.GetProperty("turns").EnumerateArray().Select(t => t.GetProperty("start").GetDouble()).ToList();
        Assert.Equal(0, starts[0]);
        Assert.InRange(starts[1], alone[0] + pauseMs / 1000.0 - 0.05, alone[0] + pauseMs / 1000.0 + 0.05);
        Assert.InRange(starts[2], alone[0] + alone[1] + 2 * pauseMs / 1000.0 - 0.1, alone[0] + alone[1] + 2 * pauseMs / 1000.0 + 0.1);

        // Words: each names its turn and voice, slices its own turn's text, and time only moves forward.
        var words = done.GetProperty("words").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2], words.Select(w => w.GetProperty("turn").GetInt32()).Distinct());
        foreach (var w in words)
        {
            var (voice, text) = Turns[w.GetProperty("turn").GetInt32()];
            Assert.Equal(voice, w.GetProperty("voice").GetString());
            Assert.Equal(w.GetProperty("word").GetString(), text[w.GetProperty("start_char").GetInt32()..w.GetProperty("end_char").GetInt32()]);
        }
        Assert.Equal(["Good", "morning", "Did", "you", "sleep", "well"], words.Where(w => w.GetProperty("turn").GetInt32() == 0).Select(w => w.GetProperty("word").GetString()));
        var times = words.Select(w => (Start: w.GetProperty("start").GetDouble(), End: w.GetProperty("end").GetDouble(), Turn: w.GetProperty("turn").GetInt32())).ToList();
        Assert.True(times.Zip(times.Skip(1)).All(p => p.Second.Start >= p.First.End), "words overlap or go back");
        Assert.All(times, t => Assert.True(t.Start >= starts[t.Turn], $"a word of turn {t.Turn} starts before its turn"));
        double gap = times.First(t => t.Turn == 1).Start - times.Last(t => t.Turn == 0).End;
        Assert.True(gap >= pauseMs / 1000.0 - 0.002, $"no pause between the turns: {gap:0.000} s"); // times are whole milliseconds

        // Usage per voice: each voice's characters and audio, adding up to the task's usage record.
        var usage = dialogue.GetProperty("usage").EnumerateArray().ToDictionary(u => u.GetProperty("voice").GetString()!);
        Assert.Equal(2, usage["alloy"].GetProperty("turns").GetInt32());
        Assert.Equal(Turns[0].Text.Length + Turns[2].Text.Length, usage["alloy"].GetProperty("characters").GetInt32());
        Assert.Equal(Turns[1].Text.Length, usage["onyx"].GetProperty("characters").GetInt32());
        var records = (await api.GetFromJsonAsync<JsonElement>("/api/v1/usage/records")).GetProperty("data").EnumerateArray();
        var record = records.Single(r => r.GetProperty("job_id").ValueKind == JsonValueKind.String && r.GetProperty("job_id").GetGuid() == taskId);
        Assert.Equal(record.GetProperty("characters").GetInt64(), usage.Values.Sum(u => u.GetProperty("characters").GetInt64()));
        Assert.Equal(record.GetProperty("audio_seconds").GetDouble(), usage.Values.Sum(u => u.GetProperty("audio_seconds").GetDouble()), 3);
        Assert.True(usage["onyx"].GetProperty("audio_seconds").GetDouble() > alone[1], "the pause after a turn is its voice's");
    }

    [Fact]
    public async Task InvalidDialoguesAreRefusedNamingTheField()
    {
        var tenant = await app.CreateTenantAsync();
        var other = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        using var otherApi = app.CreateApiClient(other.ApiKey);
        Guid foreignVoice;
        using (var created = await otherApi.PostAsJsonAsync("/api/v1/voices", new { name = "Theirs", description = "a calm female voice", language = "en" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
            foreignVoice = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        }
        object Hi(string voice = "alloy", string? text = "Hi.") => new { voice, text };
        string longText = string.Concat(Enumerable.Repeat("A sentence of words. ", 600)); // 12,600 characters: one turn fits the plan, two do not

        (object Body, string Field)[] cases =
        [
            (new { format = "wav" }, "turns"),
            (new { turns = Array.Empty<object>() }, "turns"),
            (new { turns = Enumerable.Range(0, 51).Select(_ => Hi()) }, "turns"),
            (new { turns = new[] { Hi(text: "") } }, "turns[0].text"),
            (new { turns = new[] { Hi(text: null) } }, "turns[0].text"),
            (new { turns = new[] { Hi(), Hi("nobody") } }, "turns[1].voice"),
            (new { turns = new[] { Hi(), Hi(), Hi(foreignVoice.ToString()) } }, "turns[2].voice"),
            (new { turns = new object?[] { Hi(), null } }, "turns[1].voice"),
            (new { turns = new[] { Hi() }, pause_ms = -1 }, "pause_ms"),
            (new { turns = new[] { Hi() }, pause_ms = 60_000 }, "pause_ms"),
            (new { turns = new[] { Hi() }, format = "doc" }, "format"),
            (new { turns = new[] { Hi(text: longText), Hi("onyx", longText) } }, "turns"),
        ];
        foreach (var (body, field) in cases)
        {
            using var response = await api.PostAsJsonAsync("/api/v1/dialogue", body);
            var problem = await GenerateValidationTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{field}: {problem}");
        }
        var tasks = await api.GetFromJsonAsync<JsonElement>("/api/v1/tasks");
        Assert.Empty(tasks.GetProperty("data").EnumerateArray()); // nothing was queued
    }

    [Fact]
    public async Task AnotherTenantCannotReadADialogue()
    {
        var owner = await app.CreateTenantAsync();
        var stranger = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(owner.ApiKey);
        using var strangerApi = app.CreateApiClient(stranger.ApiKey);

        var done = await SpeakAsync(api, "/api/v1/dialogue", new { turns = Turns.Take(2).Select(t => new { voice = t.Voice, text = t.Text }) });
        var taskId = done.GetProperty("task_id").GetGuid();

        foreach (var path in new[] { $"/api/v1/task/{taskId}", $"/api/v1/task/{taskId}/audio" })
        {
            using var response = await strangerApi.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
        using var cancel = await strangerApi.DeleteAsync($"/api/v1/task/{taskId}");
        Assert.Equal(HttpStatusCode.NotFound, cancel.StatusCode);
    }

    private static async Task<JsonElement> SpeakAsync(HttpClient api, string path, object body)
    {
        using var response = await api.PostAsJsonAsync(path, body);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetGuid();
        var done = await TaskPolling.WaitForFinishAsync(api, id, TimeSpan.FromSeconds(90));
        Assert.True(done.GetProperty("status").GetString() == "completed", done.ToString());
        return done;
    }
}
