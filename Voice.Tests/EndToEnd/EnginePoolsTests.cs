using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Voice.Speech.Espeak;
using Voice.Speech.Engines;
using Voice.Tests.Api;
using Voice.Tests.Infrastructure;
using Voice.Tests.Speech;
using Xunit.Abstractions;

namespace Voice.Tests.EndToEnd;

/// <summary>
/// One platform serving clone, design and preset requests at once, each on a pool that makes them: the platform's
/// embedded-engine worker plus three Qwen3-TTS pools — the parity issue's random-weight Base (clone), VoiceDesign
/// (design) and CustomVoice (presets) exports — as real worker processes on the CPU provider.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class EnginePoolsTests(VoiceAppFixture app, ITestOutputHelper output)
{
    private const string ClonePool = "qwen3-base", DesignPool = "qwen3-design", PresetPool = "qwen3-custom";
    private const string ReferenceText = "Good morning. I am recording a short sample of my voice, so that the platform can learn how I speak.";

    [Fact]
    public async Task EachModeLandsOnAPoolThatMakesItAndAPoolThatGoesAwayKeepsItsJobsUntilItReturns()
    {
        await using var clone = await WorkerProcesses.StartAsync(app, ClonePool, 1, Qwen3("base"));
        await using var design = await WorkerProcesses.StartAsync(app, DesignPool, 1, Qwen3("voice_design"));
        await using var preset = await WorkerProcesses.StartAsync(app, PresetPool, 1, Qwen3("custom_voice"));
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        await WaitForPoolsAsync(api, ClonePool, DesignPool, PresetPool);

        // Each mode goes to the pool whose model makes it (a model ranks above the embedded engine, which makes all three).
        var designed = await SubmitAsync(api, new { text = "Designed.", mode = "design", instruct = "a calm, low voice" });
        var cloned = await SubmitAsync(api, new { text = "Cloned.", mode = "clone", ref_audio = await ReferenceAsync(), ref_text = ReferenceText, consent = "The speaker agreed to this clone." });
        var spoken = await SubmitAsync(api, new { text = "A preset.", voice = "alloy" });
        await AssertCompletedOnAsync(api, designed, DesignPool, "voice_design");
        await AssertCompletedOnAsync(api, cloned, ClonePool, "base");
        await AssertCompletedOnAsync(api, spoken, PresetPool, "custom_voice");

        // A plan limited to the design pool: a clone is refused at submission, naming what can be made.
        string designOnly = await app.CreatePlanAsync(new { allowed_engines = new[] { DesignPool } });
        using var limited = app.CreateApiClient((await app.CreateTenantAsync(designOnly)).ApiKey);
        using var refused = await limited.PostAsJsonAsync("/api/v1/voice/generate",
            new { text = "No.", mode = "clone", ref_audio = await ReferenceAsync(), ref_text = ReferenceText, consent = "The speaker agreed to this clone." });
        var problem = await GenerateValidationTests.AssertProblemAsync(refused, HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");
        Assert.Contains("design", problem.GetProperty("errors").GetProperty("mode")[0].GetString(), StringComparison.Ordinal);

        // The design pool's only worker dies: its jobs wait (the pool is restarting, not gone), the others keep flowing.
        design.KillOne();
        var waiting = await SubmitAsync(api, new { text = "Waiting for my pool.", mode = "design", instruct = "a bright voice" });
        var meanwhile = await SubmitAsync(api, new { text = "Still flowing.", voice = "alloy" });
        await AssertCompletedOnAsync(api, meanwhile, PresetPool, "custom_voice");
        var status = await api.GetFromJsonAsync<JsonElement>($"/api/v1/task/{waiting}");
        Assert.Equal("queued", status.GetProperty("status").GetString());
        Assert.Equal(DesignPool, status.GetProperty("request").GetProperty("model").GetString());

        design.Start();
        await AssertCompletedOnAsync(api, waiting, DesignPool, "voice_design");

        // A voice prepared by one pool is prepared again before a pool with another engine or model speaks it.
        var voice = await CreateCloneAsync(api);
        Assert.Equal((SpeechEngines.Qwen3, "base"), await PreparedByAsync(api, voice));
        var onEspeak = await SubmitAsync(api, new { text = "The same voice, another engine.", voice, model = "espeak" });
        var elsewhere = await TaskPolling.WaitForFinishAsync(api, onEspeak, TimeSpan.FromSeconds(120));
        Assert.Equal("completed", elsewhere.GetProperty("status").GetString());
        Assert.Equal("espeak", elsewhere.GetProperty("result").GetProperty("engine").GetString());
        Assert.Equal(SpeechEngines.Espeak, (await PreparedByAsync(api, voice)).Engine);
        var back = await SubmitAsync(api, new { text = "And back to the model.", voice });
        await AssertCompletedOnAsync(api, back, ClonePool, "base");
        Assert.Equal((SpeechEngines.Qwen3, "base"), await PreparedByAsync(api, voice));
    }

    private static Dictionary<string, string?> Qwen3(string model) => new()
    {
        ["Speech__Engine"] = SpeechEngines.Qwen3,
        ["Speech__ModelDirectory"] = Path.Combine(Qwen3ReferenceModels.Directory, "models", model),
        ["Speech__Provider"] = "cpu",
        ["Worker__Concurrency"] = "1",
        ["Queue__VisibilityTimeout"] = "00:00:10",
    };

    private async Task WaitForPoolsAsync(HttpClient api, params string[] pools)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120); // three processes load their models on two cores
        foreach (string pool in pools)
        {
            while (!(await api.GetStringAsync("/api/v1/models")).Contains($"\"{pool}\"", StringComparison.Ordinal))
            {
                Assert.True(DateTime.UtcNow < deadline, $"pool {pool} never announced itself");
                await Task.Delay(250);
            }
        }
        await Task.Delay(TimeSpan.FromSeconds(2.5)); // the API's view of the pools refreshes every 2 s
    }

    private static async Task<Guid> SubmitAsync(HttpClient api, object request)
    {
        using var response = await api.PostAsJsonAsync("/api/v1/voice/generate", request);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("task_id").GetGuid();
    }

    private async Task AssertCompletedOnAsync(HttpClient api, Guid task, string pool, string model)
    {
        var done = await TaskPolling.WaitForFinishAsync(api, task, TimeSpan.FromSeconds(120));
        output.WriteLine(done.ToString());
        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.Equal(pool, done.GetProperty("request").GetProperty("model").GetString());
        Assert.Equal(SpeechEngines.Qwen3, done.GetProperty("result").GetProperty("engine").GetString());
        Assert.Equal(model, done.GetProperty("result").GetProperty("model").GetString());
    }

    /// <summary>A lasting clone profile (its preparation job is routed like any job), ready.</summary>
    private static async Task<Guid> CreateCloneAsync(HttpClient api)
    {
        string reference = await ReferenceAsync();
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Convert.FromBase64String(reference[(reference.IndexOf(',', StringComparison.Ordinal) + 1)..]));
        file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("audio/wav");
        form.Add(file, "audio", "reference.wav");
        form.Add(new StringContent("The speaker agreed to this clone."), "consent");
        form.Add(new StringContent(ReferenceText), "reference_text");
        using var created = await api.PostAsync("/api/v1/voices", form);
        var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;
        Assert.True(created.StatusCode == HttpStatusCode.Accepted, body.ToString());
        var prepared = await TaskPolling.WaitForFinishAsync(api, body.GetProperty("task_id").GetGuid(), TimeSpan.FromSeconds(120));
        Assert.Equal(ClonePool, prepared.GetProperty("request").GetProperty("model").GetString());
        return body.GetProperty("id").GetGuid();
    }

    private static async Task<(string? Engine, string? Model)> PreparedByAsync(HttpClient api, Guid voice)
    {
        var view = await api.GetFromJsonAsync<JsonElement>($"/api/v1/voices/{voice}");
        return (view.GetProperty("engine").GetString(), view.GetProperty("model").GetString());
    }

    private static async Task<string> ReferenceAsync()
    {
        var engine = new EspeakEngine();
        var prompt = new VoicePrompt(EspeakEngine.EngineName, VoiceMode.Preset, new EspeakVoice("f5", 80, 60, 230).Serialize(), "{}", [], "approximate");
        var samples = new List<float>();
        await foreach (var chunk in engine.SynthesizeAsync(new SynthesisRequest(ReferenceText, "en", prompt), CancellationToken.None))
        {
            samples.AddRange(chunk.Samples.Span);
        }
        return "data:audio/wav;base64," + Convert.ToBase64String(AudioTools.Wav16([.. samples], 22_050));
    }
}
