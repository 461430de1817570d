using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using NAudio.Wave;
using Voice.Audio.Analysis;
using Voice.Audio.Resampling;
using Voice.Speech.Engines;
using Voice.Speech.Espeak;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Api;

/// <summary>Voice profiles through the real platform: API → Postgres/Azurite → preparation job → worker (espeak) → speech.</summary>
[Collection(AppCollection.Name)]
public sealed class VoicesApiTests(VoiceAppFixture app)
{
    private const string ReferenceText = "Good morning. I am recording a short sample of my voice, so that the platform can learn how I speak.";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task DesignedVoiceIsPreparedByTheWorkerAndSpeaks()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);

        using var created = await api.PostAsJsonAsync("/api/v1/voices", new { name = "Narrator", description = "a deep, slow male narrator with a Welsh lilt", language = "en" });

        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var voice = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("design", voice.GetProperty("mode").GetString());
        Assert.Equal("preparing", voice.GetProperty("status").GetString());
        Assert.Equal($"/api/v1/voices/{voice.GetProperty("id").GetGuid()}", created.Headers.Location?.OriginalString);
        var ready = await WaitForVoiceAsync(api, voice.GetProperty("id").GetGuid());
        Assert.Equal("ready", ready.GetProperty("status").GetString());
        Assert.Equal("espeak", ready.GetProperty("engine").GetString());
        Assert.Equal("approximate", ready.GetProperty("fidelity").GetString());
        Assert.StartsWith("m", ready.GetProperty("analysis").GetProperty("parameters").GetProperty("variant").GetString(), StringComparison.Ordinal);
        Assert.Contains(ready.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("welsh", StringComparison.Ordinal));
        var preparation = await TaskPolling.WaitForFinishAsync(api, voice.GetProperty("task_id").GetGuid(), Timeout);
        Assert.Equal("completed", preparation.GetProperty("status").GetString());
        Assert.Equal("voice", preparation.GetProperty("request").GetProperty("kind").GetString());

        var audio = await GenerateAsync(api, new { text = "Once upon a time, in a quiet village by the sea.", voice = ready.GetProperty("id").GetString() });
        Assert.InRange(VoiceAnalyzer.Analyze(audio, 24_000).MedianF0Hz, 60, 125);
    }

    [Fact]
    public async Task CloneMatchesTheReferenceEndToEnd()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        float[] reference = await SpeakAsync(new EspeakVoice("f5", 80, 60, 230), ReferenceText);

        using var created = await api.PostAsync("/api/v1/voices", CloneForm(Wav(reference), consent: "Recorded by me, the speaker, for my own use.", referenceText: ReferenceText, name: "My voice"));

        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var voice = await created.Content.ReadFromJsonAsync<JsonElement>();
        var quality = voice.GetProperty("quality");
        Assert.InRange(quality.GetProperty("speech_seconds").GetDouble(), 3, 10);
        Assert.InRange(quality.GetProperty("bandwidth_hz").GetDouble(), 4_000, 11_025);
        Assert.Equal(22_050, quality.GetProperty("sample_rate").GetInt32());
        Assert.Equal("Recorded by me, the speaker, for my own use.", voice.GetProperty("consent").GetProperty("statement").GetString());
        Assert.Equal(ReferenceText, voice.GetProperty("reference_text").GetString());
        // The consent record: who, when, from where, under which terms, and which recording (by hash).
        var consent = voice.GetProperty("consent");
        byte[] upload = Wav(reference);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(upload)), consent.GetProperty("reference_sha256").GetString());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("Recorded by me, the speaker, for my own use."u8)),
            consent.GetProperty("statement_sha256").GetString());
        Assert.Equal($"key:{tenant.KeyId}", consent.GetProperty("given_by").GetString());
        Assert.False(string.IsNullOrEmpty(consent.GetProperty("source_address").GetString()));
        Assert.Equal("2026-11-01", consent.GetProperty("terms_version").GetString());
        Assert.Equal("not-performed", consent.GetProperty("spoken_phrase_check").GetString());
        using var export = await api.GetAsync($"/api/v1/voices/{voice.GetProperty("id").GetGuid()}/consent");
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Equal("attachment", export.Content.Headers.ContentDisposition?.DispositionType);
        var exported = await export.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(consent.GetRawText(), exported.GetProperty("consent").GetRawText());
        Assert.Equal(tenant.Id, exported.GetProperty("tenant_id").GetGuid());
        var ready = await WaitForVoiceAsync(api, voice.GetProperty("id").GetGuid());
        Assert.Equal("ready", ready.GetProperty("status").GetString());

        var spoken = await GenerateAsync(api, new { text = ReferenceText, voice = ready.GetProperty("id").GetString() });
        var target = VoiceAnalyzer.Analyze(reference, 22_050);
        var clone = VoiceAnalyzer.Analyze(spoken, 24_000);
        Assert.InRange(clone.MedianF0Hz, target.MedianF0Hz * 0.85, target.MedianF0Hz * 1.15);
        Assert.InRange(clone.SpeakingSeconds, target.SpeakingSeconds * 0.85, target.SpeakingSeconds * 1.15);
    }

    [Fact]
    public async Task PoorReferencesAreRefusedWithWhatToFix()
    {
        using var api = app.CreateApiClient((await app.CreateTenantAsync()).ApiKey);
        float[] speech = await SpeakAsync(new EspeakVoice("m3", 50, 50, 175), ReferenceText);
        var random = new Random(3);
        float[] noisy = [.. speech.Select(s => s + ((float)(random.NextDouble() - 0.5) * 0.5f))];
        float[] telephone = LowPass(speech, 22_050, 2_000);
        float[] brief = (await SpeakAsync(new EspeakVoice("m3", 50, 50, 175), "Hello there, my friend.")).Concat(new float[22_050 * 3]).ToArray();

        foreach (var (samples, code) in new[] { (noisy, "noisy"), (telephone, "narrowband"), (brief, "too-little-speech") })
        {
            using var response = await api.PostAsync("/api/v1/voices", CloneForm(Wav(samples), consent: "The speaker agreed to this clone."));
            var problem = await ProblemAsync(response, HttpStatusCode.UnprocessableEntity, "https://voice.dev/problems/voices/poor-reference");
            Assert.Contains(problem.GetProperty("reasons").EnumerateArray(), r => r.GetProperty("code").GetString() == code);
            Assert.True(problem.GetProperty("quality").TryGetProperty("signal_to_noise_db", out _));
        }
        var list = await api.GetFromJsonAsync<JsonElement>("/api/v1/voices");
        Assert.Equal(0, list.GetProperty("voices").GetArrayLength());
    }

    [Fact]
    public async Task CloneRequestsWithoutConsentOrWithStrayFieldsAreRejected()
    {
        using var api = app.CreateApiClient((await app.CreateTenantAsync()).ApiKey);
        byte[] wav = Wav(await SpeakAsync(new EspeakVoice("m3", 50, 50, 175), ReferenceText));

        var noConsent = await ProblemAsync(await api.PostAsync("/api/v1/voices", CloneForm(wav, consent: null)), HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");
        Assert.True(noConsent.GetProperty("errors").TryGetProperty("consent", out _));

        var form = CloneForm(wav, consent: "The speaker agreed to this clone.");
        form.Add(new StringContent("x"), "voice_age");
        var stray = await ProblemAsync(await api.PostAsync("/api/v1/voices", form), HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");
        Assert.True(stray.GetProperty("errors").TryGetProperty("voice_age", out _));

        await ProblemAsync(await api.PostAsJsonAsync("/api/v1/voices", new { mode = "clone" }), HttpStatusCode.UnsupportedMediaType, "https://voice.dev/problems/unsupported-media-type");
        await ProblemAsync(await api.PostAsJsonAsync("/api/v1/voices", new { description = "x", preset = "alloy" }), HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");
        await ProblemAsync(await api.PostAsJsonAsync("/api/v1/voices", new { preset = "nobody" }), HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");
        await ProblemAsync(await api.PostAsJsonAsync("/api/v1/voices", new { description = "calm", language = "xx" }), HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");
        await ProblemAsync(await api.PostAsync("/api/v1/voices", CloneForm("not audio at all"u8.ToArray(), consent: "The speaker agreed to this clone.")),
            HttpStatusCode.UnsupportedMediaType, "https://voice.dev/problems/audio/unsupported-format");
    }

    [Fact]
    public async Task ListGetRenameDeleteAndPresets()
    {
        using var api = app.CreateApiClient((await app.CreateTenantAsync()).ApiKey);
        var first = await CreateAsync(api, new { preset = "onyx", name = "Deep one" });
        var second = await CreateAsync(api, new { description = "cheerful young woman" });

        var list = await api.GetFromJsonAsync<JsonElement>("/api/v1/voices");
        Assert.Equal(PresetVoices.All.Count, list.GetProperty("presets").GetArrayLength());
        Assert.Equal([second, first], list.GetProperty("voices").EnumerateArray().Select(v => v.GetProperty("id").GetGuid()));
        var page = await api.GetFromJsonAsync<JsonElement>("/api/v1/voices?limit=1");
        Assert.Equal(second, page.GetProperty("voices")[0].GetProperty("id").GetGuid());
        Assert.Equal(second, page.GetProperty("next_before").GetGuid());
        var next = await api.GetFromJsonAsync<JsonElement>($"/api/v1/voices?limit=1&before={second}");
        Assert.Equal(first, next.GetProperty("voices")[0].GetProperty("id").GetGuid());
        Assert.Equal(0, next.GetProperty("presets").GetArrayLength());

        var preset = await api.GetFromJsonAsync<JsonElement>("/api/v1/voices/nova");
        Assert.Equal("preset", preset.GetProperty("mode").GetString());
        Assert.Equal("ready", preset.GetProperty("status").GetString());

        using var renamed = await api.PatchAsJsonAsync($"/api/v1/voices/{first}", new { name = "Renamed" });
        Assert.Equal("Renamed", (await renamed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("name").GetString());
        await ProblemAsync(await api.PatchAsJsonAsync($"/api/v1/voices/{first}", new { name = "" }), HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/v1/voices/{first}")).StatusCode);
        await ProblemAsync(await api.GetAsync($"/api/v1/voices/{first}"), HttpStatusCode.NotFound, "https://voice.dev/problems/not-found");
        await ProblemAsync(await api.DeleteAsync($"/api/v1/voices/{first}"), HttpStatusCode.NotFound, "https://voice.dev/problems/not-found");
        var generate = await ProblemAsync(await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = "Hello.", voice = first.ToString() }),
            HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");
        Assert.True(generate.GetProperty("errors").TryGetProperty("voice", out _));
        await ProblemAsync(await api.GetAsync("/api/v1/voices/nobody"), HttpStatusCode.NotFound, "https://voice.dev/problems/not-found");
    }

    [Fact]
    public async Task PreviewSpeaksASampleInTheVoicesLanguage()
    {
        using var api = app.CreateApiClient((await app.CreateTenantAsync()).ApiKey);
        var id = await CreateAsync(api, new { description = "年轻活泼的女声", language = "zh" });

        using var preview = await api.PostAsync($"/api/v1/voices/{id}/preview", null);

        Assert.Equal(HttpStatusCode.Accepted, preview.StatusCode);
        var status = await TaskPolling.WaitForFinishAsync(api, (await preview.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetGuid(), Timeout);
        Assert.Equal("completed", status.GetProperty("status").GetString());
        Assert.Equal("zh", status.GetProperty("request").GetProperty("language").GetString());
        Assert.Equal("mp3", status.GetProperty("request").GetProperty("format").GetString());
        Assert.InRange(status.GetProperty("result").GetProperty("duration_seconds").GetDouble(), 1, 10);

        using var presetPreview = await api.PostAsJsonAsync("/api/v1/voices/echo/preview", new { text = "Custom words.", format = "wav" });
        Assert.Equal(HttpStatusCode.Accepted, presetPreview.StatusCode);
        await ProblemAsync(await api.PostAsJsonAsync($"/api/v1/voices/{id}/preview", new { text = new string('a', 301) }), HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");
    }

    [Fact]
    public async Task DesignWithSampleTextQueuesAPreviewAtOnce()
    {
        using var api = app.CreateApiClient((await app.CreateTenantAsync()).ApiKey);
        using var created = await api.PostAsJsonAsync("/api/v1/voices", new { description = "energetic announcer", sample_text = "Welcome to the show!" });
        var voice = await created.Content.ReadFromJsonAsync<JsonElement>();

        var status = await TaskPolling.WaitForFinishAsync(api, voice.GetProperty("preview_task_id").GetGuid(), Timeout);

        Assert.Equal("completed", status.GetProperty("status").GetString());
        Assert.Equal(voice.GetProperty("id").GetString(), status.GetProperty("request").GetProperty("voice").GetString());
    }

    [Fact]
    public async Task ThePlansVoiceLimitHolds()
    {
        using var api = app.CreateApiClient((await app.CreateTenantAsync("free")).ApiKey); // 3 voices
        for (int i = 0; i < 3; i++)
        {
            // One at a time: each preparation holds one of the free plan's 2 job slots until it is done.
            await WaitForVoiceAsync(api, await CreateAsync(api, new { preset = "alloy", name = $"voice {i}" }));
        }

        var problem = await ProblemAsync(await api.PostAsJsonAsync("/api/v1/voices", new { preset = "alloy" }), HttpStatusCode.Forbidden, "https://voice.dev/problems/voices/limit-reached");

        Assert.Equal(3, problem.GetProperty("limit").GetInt32());
    }

    [Fact]
    public async Task AnotherTenantsVoiceCannotBeUsedToSpeak()
    {
        using var owner = app.CreateApiClient((await app.CreateTenantAsync()).ApiKey);
        var id = await CreateAsync(owner, new { description = "calm woman" });
        using var other = app.CreateApiClient((await app.CreateTenantAsync()).ApiKey);

        var problem = await ProblemAsync(await other.PostAsJsonAsync("/api/v1/voice/generate", new { text = "Borrowed voice.", voice = id.ToString() }),
            HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");

        Assert.Equal($"Unknown voice '{id}'.", problem.GetProperty("errors").GetProperty("voice")[0].GetString());
    }

    [Fact]
    public async Task InlineSeedStyleRequestsMakeTransientVoices()
    {
        using var api = app.CreateApiClient((await app.CreateTenantAsync()).ApiKey);
        float[] reference = await SpeakAsync(new EspeakVoice("f2", 70, 50, 175), ReferenceText);

        var designed = await GenerateAsync(api, new { text = "A voice made from words.", mode = "design", instruct = "a deep old man" });
        var cloned = await GenerateAsync(api, new
        {
            text = "A voice made from a recording.",
            mode = "clone",
            ref_audio = "data:audio/wav;base64," + Convert.ToBase64String(Wav(reference)),
            ref_text = ReferenceText,
            consent = "The speaker agreed to this clone.",
        });

        Assert.InRange(VoiceAnalyzer.Analyze(designed, 24_000).MedianF0Hz, 60, 120);
        double target = VoiceAnalyzer.Analyze(reference, 22_050).MedianF0Hz;
        Assert.InRange(VoiceAnalyzer.Analyze(cloned, 24_000).MedianF0Hz, target * 0.85, target * 1.15);
        // Transient profiles are neither listed nor counted.
        var list = await api.GetFromJsonAsync<JsonElement>("/api/v1/voices");
        Assert.Equal(0, list.GetProperty("voices").GetArrayLength());

        var bad = await ProblemAsync(await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = "x", mode = "clone", ref_audio = "%%%", voice = "alloy" }),
            HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");
        var errors = bad.GetProperty("errors");
        Assert.True(errors.TryGetProperty("ref_audio", out _) && errors.TryGetProperty("consent", out _) && errors.TryGetProperty("voice", out _));
        // Clone fields without mode 'clone' are refused (an instruction alone styles the default preset: see below).
        var stray = await ProblemAsync(await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = "x", ref_text = "calm" }), HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");
        Assert.True(stray.GetProperty("errors").TryGetProperty("ref_text", out _));
    }

    [Fact]
    public async Task AVoiceThatCannotBePreparedFailsAndCannotSpeak()
    {
        using var api = app.CreateApiClient((await app.CreateTenantAsync()).ApiKey);
        // Speech-like bursts of noise: loud, clean and full-band, so the quality gate passes, but no voiced sound at all.
        var random = new Random(11);
        var bursts = new float[22_050 * 6];
        for (int i = 0; i < bursts.Length; i++)
        {
            bool on = i / 4_000 % 2 == 0;
            bursts[i] = on ? (float)(random.NextDouble() - 0.5) * 0.6f : 0;
        }
        using var created = await api.PostAsync("/api/v1/voices", CloneForm(Wav(bursts), consent: "The speaker agreed to this clone."));
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var voice = await WaitForVoiceAsync(api, id);

        Assert.Equal("failed", voice.GetProperty("status").GetString());
        Assert.Equal("https://voice.dev/problems/voice-failed", voice.GetProperty("error").GetProperty("type").GetString());
        var problem = await ProblemAsync(await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = "Hello.", voice = id.ToString() }),
            HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");
        Assert.Contains("could not be prepared", problem.GetProperty("errors").GetProperty("voice")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TextChecksFollowThePlanAndTheEngine()
    {
        using var api = app.CreateApiClient((await app.CreateTenantAsync("free")).ApiKey);

        using var kanji = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = "今日は いい てんきですね。", language = "ja" });
        Assert.Equal(HttpStatusCode.Accepted, kanji.StatusCode);
        Assert.Contains("kana", (await kanji.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("warnings")[0].GetString(), StringComparison.Ordinal);
        await ProblemAsync(await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = "東京駅。", language = "ja" }), HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");

        var tooLong = await ProblemAsync(await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = new string('a', 5_001) }), HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");
        Assert.Contains("'free' plan allows 5000", tooLong.GetProperty("errors").GetProperty("text")[0].GetString(), StringComparison.Ordinal);
        await ProblemAsync(await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = "Fast.", speed = 5 }), HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");
    }

    [Fact]
    public async Task SpeedMakesSpeechFaster()
    {
        using var api = app.CreateApiClient((await app.CreateTenantAsync()).ApiKey);
        const string text = "The quick brown fox jumps over the lazy dog near the river bank.";

        var normal = await GenerateAsync(api, new { text });
        var fast = await GenerateAsync(api, new { text, speed = 1.5 });

        Assert.InRange(fast.Length / (double)normal.Length, 0.55, 0.8);
    }

    [Fact]
    public async Task APresetCarriesAStyleInstructionAsAProfileOrInline()
    {
        using var api = app.CreateApiClient((await app.CreateTenantAsync()).ApiKey);

        // A lasting profile: the preset (a Qwen3-TTS speaker's own name is a preset too) with its instruction.
        var id = await CreateAsync(api, new { preset = "vivian", instruct = "Speak slowly and calmly.", language = "en" });
        var ready = await WaitForVoiceAsync(api, id);
        Assert.Equal("ready", ready.GetProperty("status").GetString());
        Assert.Equal("preset", ready.GetProperty("mode").GetString());
        Assert.Equal("vivian", ready.GetProperty("description").GetString());
        Assert.Equal("Speak slowly and calmly.", ready.GetProperty("instruction").GetString());
        // The embedded engine follows no instruction: it designs the voice from it, keeping the preset's gender.
        Assert.Equal("Speak slowly and calmly.", ready.GetProperty("analysis").GetProperty("instruction").GetString());

        // Inline, for one request: the same instruction makes the preset slower than without it.
        const string text = "The instruction decides how this sentence is read.";
        float[] plain = await GenerateAsync(api, new { text, voice = "nova" });
        float[] styled = await GenerateAsync(api, new { text, voice = "nova", instruct = "Speak very slowly." });
        Assert.True(styled.Length > plain.Length * 1.2, $"{styled.Length} samples styled, {plain.Length} plain");

        await ProblemAsync(await api.PostAsJsonAsync("/api/v1/voices", new { preset = "nova", instruct = new string('x', 1001) }), HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");
        var foreign = await ProblemAsync(await api.PostAsJsonAsync("/api/v1/voice/generate", new { text, voice = id, instruct = "Whisper." }), HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");
        Assert.True(foreign.GetProperty("errors").TryGetProperty("instruct", out _));
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private static async Task<Guid> CreateAsync(HttpClient api, object body)
    {
        using var response = await api.PostAsJsonAsync("/api/v1/voices", body);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private static async Task<JsonElement> WaitForVoiceAsync(HttpClient api, Guid id)
    {
        using var cts = new CancellationTokenSource(Timeout);
        while (true)
        {
            var voice = await api.GetFromJsonAsync<JsonElement>($"/api/v1/voices/{id}", cts.Token);
            if (voice.GetProperty("status").GetString() != "preparing")
            {
                return voice;
            }
            await Task.Delay(100, cts.Token);
        }
    }

    /// <summary>Submits, waits, downloads the WAV result and returns its samples (24 kHz mono).</summary>
    private async Task<float[]> GenerateAsync(HttpClient api, object body)
    {
        using var submit = await api.PostAsJsonAsync("/api/v1/voice/generate", body);
        Assert.True(submit.StatusCode == HttpStatusCode.Accepted, await submit.Content.ReadAsStringAsync());
        var status = await TaskPolling.WaitForFinishAsync(api, (await submit.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetGuid(), Timeout);
        Assert.True(status.GetProperty("status").GetString() == "completed", $"{status}\nworker log:\n{app.LogOf("worker")}");
        using var anonymous = new HttpClient();
        byte[] wav = await anonymous.GetByteArrayAsync(status.GetProperty("result_url").GetString());
        using var reader = new WaveFileReader(new MemoryStream(wav));
        var samples = new float[reader.SampleCount];
        reader.ToSampleProvider().Read(samples);
        return samples;
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        using (response)
        {
            string body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = JsonDocument.Parse(body).RootElement.Clone();
            Assert.Equal(type, problem.GetProperty("type").GetString());
            return problem;
        }
    }

    private static MultipartFormDataContent CloneForm(byte[] audio, string? consent, string? referenceText = null, string? name = null)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(audio);
        file.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
        form.Add(file, "audio", "reference.wav");
        if (consent is not null)
        {
            form.Add(new StringContent(consent), "consent");
        }
        if (referenceText is not null)
        {
            form.Add(new StringContent(referenceText), "reference_text");
        }
        if (name is not null)
        {
            form.Add(new StringContent(name), "name");
        }
        return form;
    }

    private static byte[] Wav(float[] samples) => AudioTools.Wav16(samples, 22_050);

    /// <summary>A recording "by a speaker": espeak in this process, at its native 22,050 Hz.</summary>
    private static async Task<float[]> SpeakAsync(EspeakVoice voice, string text)
    {
        var engine = new EspeakEngine();
        var prompt = new VoicePrompt(EspeakEngine.EngineName, VoiceMode.Preset, voice.Serialize(), "{}", [], "approximate");
        var samples = new List<float>();
        await foreach (var chunk in engine.SynthesizeAsync(new SynthesisRequest(text, "en", prompt), CancellationToken.None))
        {
            samples.AddRange(chunk.Samples.Span);
        }
        return [.. samples];
    }

    /// <summary>Band-limits by resampling down and back up: what a telephone line leaves of a voice.</summary>
    private static float[] LowPass(float[] samples, int rate, int cutoffHz)
    {
        float[] down = PolyphaseResampler.Resample(samples, rate, cutoffHz * 2);
        return PolyphaseResampler.Resample(down, cutoffHz * 2, rate);
    }
}
