using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OpenAI.Audio;
using Voice.ApiService.Submissions;
using Voice.Speech.Engines;
using Voice.Tests.Infrastructure;
using Voice.Tests.Speech;

namespace Voice.Tests.Api;

/// <summary>
/// Requests that OpenAI's and vLLM's clients really send are accepted: snapshot model names, newer voices, the object
/// form of voice, other servers' fields (ignored, and named in a header), a text's language detected; and what the
/// streamed answer cannot say in its body comes in headers.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class OpenAiCompatibilityTests(VoiceAppFixture app)
{
    private const string Sentence = "The quick brown fox jumps over the lazy dog.";

    [Fact]
    public async Task TheOfficialClientSpeaksWithADatedModelAndMarin()
    {
        var tenant = await app.CreateTenantAsync();
        var client = app.CreateOpenAiAudioClient(tenant.ApiKey, "gpt-4o-mini-tts-2025-03-20");

        ClientResult<BinaryData> speech = await client.GenerateSpeechAsync(Sentence, new GeneratedSpeechVoice("marin"),
            new SpeechGenerationOptions { ResponseFormat = GeneratedSpeechFormat.Wav });

        var probe = await AudioTools.ProbeAsync(speech.Value.ToArray());
        Assert.Equal("pcm_s16le", probe.Codec);
        Assert.InRange(probe.Duration, 1.0, 8.0);
        using var api = app.CreateApiClient(tenant.ApiKey);
        var task = await TaskAsync(api, speech.GetRawResponse().Headers.TryGetValue("X-Task-Id", out string? id) ? id! : "");
        Assert.Equal("marin", task.GetProperty("request").GetProperty("voice").GetString());
        Assert.Equal("en", task.GetProperty("request").GetProperty("language").GetString());
    }

    [Fact]
    public async Task TheOfficialClientsRawRequestCarriesTheVoiceObjectAndVllmsFields()
    {
        var tenant = await app.CreateTenantAsync();
        var client = app.CreateOpenAiAudioClient(tenant.ApiKey, "tts-1-hd-1106");
        // What the typed options cannot say, the client's protocol method sends as written (as Python's extra_body does).
        var body = BinaryData.FromObjectAsJson(new
        {
            model = "tts-1-hd-1106", input = Sentence, voice = new { id = "cedar" }, response_format = "pcm",
            task_type = "CustomVoice", language = "English", max_new_tokens = 2048,
        });

        ClientResult result = await client.GenerateSpeechAsync(BinaryContent.Create(body), new RequestOptions());

        var response = result.GetRawResponse();
        Assert.Equal(200, response.Status);
        Assert.True(response.Content.ToArray().Length / 2.0 / 24_000 > 1.0, "too little audio");
        Assert.True(response.Headers.TryGetValue(NoteHeaders.IgnoredFields, out string? ignored));
        Assert.Equal("task_type, max_new_tokens", ignored);
        using var api = app.CreateApiClient(tenant.ApiKey);
        Assert.True(response.Headers.TryGetValue("X-Task-Id", out string? id));
        Assert.Equal("cedar", (await TaskAsync(api, id!)).GetProperty("request").GetProperty("voice").GetString());
    }

    [Fact]
    public async Task AnOwnVoiceMayBeNamedByAnObjectWithItsId()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        using var created = await api.PostAsJsonAsync("/api/v1/voices", new { name = "Mine", description = "a warm, bright female voice", language = "en" });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        string voiceId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await WaitForReadyAsync(api, voiceId);

        using var response = await api.PostAsJsonAsync("/v1/audio/speech", new { model = "tts-1", input = Sentence, voice = new { id = voiceId }, response_format = "mp3" });

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        Assert.Equal("mp3", (await AudioTools.ProbeAsync(await response.Content.ReadAsByteArrayAsync())).Codec);
        Assert.Equal(voiceId, (await TaskAsync(api, response)).GetProperty("request").GetProperty("voice").GetString());
    }

    [Fact]
    public async Task UnknownFieldsAreIgnoredAndNamedEvenWhenTheRequestIsRefused()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);

        using var refused = await api.PostAsJsonAsync("/v1/audio/speech", new { model = "tts-1", input = "Hi.", voice = "nobody", foo = 1, stream = true });

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("voice", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("param").GetString());
        Assert.Equal("foo, stream", refused.Headers.GetValues(NoteHeaders.IgnoredFields).Single());
    }

    [Fact]
    public async Task AHostileFloodOfUnknownFieldsKeepsTheHeaderBounded()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        var body = new StringBuilder("""{"model":"tts-1","input":"Hi there.","voice":"alloy","response_format":"pcm" """);
        for (int i = 0; i < 1_000; i++)
        {
            body.Append($$""", "{{i}}_{{new string('ж', 100)}}\r\n": {{i}}""");
        }
        body.Append('}');

        using var response = await api.PostAsync("/v1/audio/speech", new StringContent(body.ToString(), Encoding.UTF8, "application/json"));

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        string ignored = response.Headers.GetValues(NoteHeaders.IgnoredFields).Single();
        Assert.True(ignored.Length <= NoteHeaders.MaxItems * (NoteHeaders.MaxItemLength + 2) + 20, $"{ignored.Length} characters");
        Assert.All(ignored, c => Assert.InRange(c, ' ', '~'));
        Assert.EndsWith($", +{1_000 - NoteHeaders.MaxItems} more", ignored, StringComparison.Ordinal);
        Assert.StartsWith("0_%D0%B6", ignored, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)] // OpenAI's clients send none
    [InlineData("auto")]
    public async Task ChineseTextIsSpokenAsChineseWithAnEnglishPreset(string? language)
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);

        using var response = await api.PostAsJsonAsync("/v1/audio/speech", new { model = "tts-1", input = "今天天气很好，我们去公园散步吧。", voice = "alloy", response_format = "pcm", language });

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        Assert.Equal("zh", (await TaskAsync(api, response)).GetProperty("request").GetProperty("language").GetString());
    }

    [Fact]
    public async Task TheNativeApiDetectsTooAndAnExplicitLanguageStillWins()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);

        using var auto = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = "Guten Morgen, wie geht es Ihnen heute?", language = "auto" });
        using var named = await api.PostAsJsonAsync("/v1/audio/speech", new { model = "tts-1", input = "Guten Morgen, wie geht es Ihnen heute?", voice = "alloy", language = "it" });

        Assert.Equal(HttpStatusCode.Accepted, auto.StatusCode);
        Assert.Equal("de", (await TaskAsync(api, (await auto.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetString()!))
            .GetProperty("request").GetProperty("language").GetString());
        Assert.True(named.StatusCode == HttpStatusCode.OK, await named.Content.ReadAsStringAsync());
        Assert.Equal("it", (await TaskAsync(api, named)).GetProperty("request").GetProperty("language").GetString());
    }

    [Fact]
    public async Task WarningsComeInAHeaderBeforeTheAudio()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        // Detected as Japanese; the embedded engine reads kana only and skips the kanji.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/audio/speech")
        {
            Content = JsonContent.Create(new { model = "gpt-4o-mini-tts", input = "今日はいい天気ですね。", voice = "coral", response_format = "pcm" }),
        };

        using var response = await api.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var warnings = response.Headers.GetValues(NoteHeaders.Warnings).Single().Split(", ").Select(Uri.UnescapeDataString).ToList();
        Assert.Contains(warnings, w => w.Contains("kanji", StringComparison.Ordinal));
        Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 0);
        Assert.Equal("ja", (await TaskAsync(api, response)).GetProperty("request").GetProperty("language").GetString());
    }

    [Fact]
    public async Task ASpeedTheModelCannotApplyIsAWarningInTheHeader()
    {
        const string pool = "qwen3-no-pace";
        await using var worker = await WorkerProcesses.StartAsync(app, pool, 1, new Dictionary<string, string?>
        {
            ["Speech__Engine"] = SpeechEngines.Qwen3,
            ["Speech__ModelDirectory"] = Qwen3ReferenceModels.ModelDirectory("custom_voice"), // random weights: sound, not speech
            ["Speech__Provider"] = "cpu",
        });
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (!(await api.GetStringAsync("/api/v1/models")).Contains($"\"{pool}\"", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, "the pool never announced itself");
            await Task.Delay(250);
        }
        await Task.Delay(TimeSpan.FromSeconds(2.5)); // the API's view of the pools refreshes every 2 s

        // The headers are what this is about: random weights may speak until the length limit, which a loaded machine
        // takes long over, so the body is not waited for.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/audio/speech")
        {
            Content = JsonContent.Create(new { model = pool, input = "A preset.", voice = "vivian", speed = 1.5, response_format = "pcm" }),
        };
        using var response = await api.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        Assert.True(response.StatusCode == HttpStatusCode.OK, response.StatusCode.ToString());
        string warnings = Uri.UnescapeDataString(response.Headers.GetValues(NoteHeaders.Warnings).Single());
        Assert.Contains("speed 1.5 is not applied", warnings, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheNativeApiPutsItsWarningsInTheSameHeaderAndKeepsRefusingUnknownFields()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);

        using var accepted = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = "今日はいい天気ですね。", language = "ja" });
        using var typo = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = "Hallo.", langauge = "de" });

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        string body = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("warnings")[0].GetString()!;
        Assert.Equal(body, Uri.UnescapeDataString(accepted.Headers.GetValues(NoteHeaders.Warnings).Single()));
        Assert.Equal(HttpStatusCode.BadRequest, typo.StatusCode);
        Assert.Contains("'langauge' is not a field", (await typo.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static Task<JsonElement> TaskAsync(HttpClient api, HttpResponseMessage response) =>
        TaskAsync(api, response.Headers.GetValues("X-Task-Id").Single());

    private static Task<JsonElement> TaskAsync(HttpClient api, string taskId) =>
        TaskPolling.WaitForFinishAsync(api, Guid.Parse(taskId), TimeSpan.FromSeconds(60));

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
