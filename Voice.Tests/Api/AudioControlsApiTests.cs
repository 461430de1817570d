using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Voice.Audio.Encoding;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Api;

/// <summary>
/// A request's audio controls end to end against the running platform: the output sample rate, the G.711 telephony
/// formats (stored and streamed), the text around a request (its joined edges trimmed), and the 400s for bad values.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class AudioControlsApiTests(VoiceAppFixture app)
{
    private const string Sentence = "The quick brown fox jumps over the lazy dog, twice.";

    [Fact]
    public async Task AWavAtARequestedRateHasThatRateAndTheDurationOfThe24kHzOne()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        var baseline = await AudioTools.ProbeAsync(await GenerateAsync(api, new { text = Sentence, format = "wav" }));
        Assert.Equal(24_000, baseline.SampleRate);

        foreach (int rate in new[] { 8_000, 16_000, 44_100, 48_000 })
        {
            var (audio, status) = await GenerateWithStatusAsync(api, new { text = Sentence, format = "wav", sample_rate = rate });
            var probe = await AudioTools.ProbeAsync(audio);

            Assert.Equal(rate, probe.SampleRate);
            Assert.Equal(rate, status.GetProperty("result").GetProperty("sample_rate").GetInt32());
            Assert.InRange(probe.Duration / baseline.Duration, 0.97, 1.03);
        }
    }

    [Theory]
    [InlineData("ulaw_8000", "mulaw", "audio/basic")]
    [InlineData("alaw_8000", "alaw", "audio/x-alaw-basic")]
    public async Task AG711ResultIsRaw8kHzSpeechOfTheRightLength(string format, string ffmpegFormat, string contentType)
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        var baseline = await AudioTools.ProbeAsync(await GenerateAsync(api, new { text = Sentence, format = "wav" }));

        var (codes, status) = await GenerateWithStatusAsync(api, new { text = Sentence, format }, contentType);
        var decoded = await AudioTools.ProbeAsync(await DecodeRawAsync(codes, ffmpegFormat));

        Assert.Equal(8_000, status.GetProperty("result").GetProperty("sample_rate").GetInt32());
        Assert.Equal(8_000, decoded.SampleRate);
        Assert.InRange(codes.Length / 8_000.0 / baseline.Duration, 0.97, 1.03);
        Assert.InRange(decoded.Duration / baseline.Duration, 0.97, 1.03);
        AssertSpeechLike(codes, format);
    }

    [Fact]
    public async Task TheOpenAiRouteStreamsMuLawAndStoresWhatItStreamed()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);

        using var response = await api.PostAsJsonAsync("/v1/audio/speech", new { model = "tts-1", input = Sentence, voice = "nova", response_format = "ulaw_8000" });
        byte[] streamed = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("audio/basic", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.TransferEncodingChunked, "chunked, as it was spoken");
        Assert.InRange(streamed.Length / 8_000.0, 2.0, 8.0);
        AssertSpeechLike(streamed, AudioFormats.MuLaw);
        var taskId = Guid.Parse(response.Headers.GetValues("X-Task-Id").Single());
        var task = await TaskPolling.WaitForFinishAsync(api, taskId, TimeSpan.FromMinutes(1));
        using var plain = new HttpClient();
        Assert.Equal(streamed, await plain.GetByteArrayAsync(task.GetProperty("result_url").GetString()));
    }

    [Fact]
    public async Task TextAroundARequestTrimsThePausesAtTheEdgesThatJoinIt()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        float[] alone = Samples(await GenerateAsync(api, new { text = Sentence, format = "wav" }));

        float[] joined = Samples(await GenerateAsync(api, new { text = Sentence, format = "wav", previous_text = "Before it, ", next_text = "and after it." }));

        // The edges' silence, not the lengths, within 2 ms: the engine's own output varies by a sample or two from run to run,
        // and espeak leaves little silence to trim (JoinTrimmerTests prove the trimming itself on audio that has it).
        Assert.True(EdgeSilence(joined) <= EdgeSilence(alone) + 48, $"{EdgeSilence(joined)} samples of silence at the edges joined, {EdgeSilence(alone)} alone");
        int first = Array.FindIndex(joined, s => Math.Abs(s) > 0.01f);
        int last = Array.FindLastIndex(joined, s => Math.Abs(s) > 0.01f);
        Assert.InRange(first, 0, 24_000 / 10); // sound within 100 ms of the start…
        Assert.InRange(joined.Length - 1 - last, 0, 24_000 / 10); // …and of the end
    }

    private static int EdgeSilence(float[] samples)
    {
        int first = Array.FindIndex(samples, s => Math.Abs(s) > 0.01f);
        int last = Array.FindLastIndex(samples, s => Math.Abs(s) > 0.01f);
        return first + (samples.Length - 1 - last);
    }

    [Fact]
    public async Task SeedAndStreamingLatencyAreAcceptedAndAnEngineThatIgnoresTheLatencySaysSo()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);

        using var response = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = Sentence, seed = 42, optimize_streaming_latency = 3 });
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Contains(accepted.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.Contains("optimize_streaming_latency", StringComparison.Ordinal));
        var status = await TaskPolling.WaitForFinishAsync(api, accepted.GetProperty("task_id").GetGuid(), TimeSpan.FromMinutes(1));
        Assert.Equal("completed", status.GetProperty("status").GetString());
    }

    public static TheoryData<string, string> BadControls => new()
    {
        { """{"text":"hi","sample_rate":11025}""", "sample_rate" },
        { """{"text":"hi","sample_rate":0}""", "sample_rate" },
        { """{"text":"hi","format":"ulaw_8000","sample_rate":16000}""", "sample_rate" },
        { """{"text":"hi","seed":-1}""", "seed" },
        { """{"text":"hi","seed":2147483648}""", "seed" },
        { """{"text":"hi","optimize_streaming_latency":5}""", "optimize_streaming_latency" },
        { """{"text":"hi","optimize_streaming_latency":-1}""", "optimize_streaming_latency" },
        { "{\"text\":\"hi\",\"previous_text\":\"" + new string('a', 1_001) + "\"}", "previous_text" },
        { "{\"text\":\"hi\",\"next_text\":\"" + new string('a', 1_001) + "\"}", "next_text" },
    };

    [Theory]
    [MemberData(nameof(BadControls))]
    public async Task ABadControlIsA400NamingTheField(string body, string field)
    {
        using var api = app.CreateDemoClient();
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        using var response = await api.PostAsync("/api/v1/voice/generate", content);

        var problem = await GenerateValidationTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out var messages), $"errors should name '{field}': {problem}");
        if (field == "sample_rate" && !body.Contains("ulaw", StringComparison.Ordinal))
        {
            Assert.Contains("8000, 16000, 22050, 24000, 44100, 48000", messages[0].GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TheOpenAiRouteRefusesABadSampleRateNamingIt()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);

        using var response = await api.PostAsJsonAsync("/v1/audio/speech", new { model = "tts-1", input = Sentence, voice = "nova", response_format = "alaw_8000", sample_rate = 24_000 });
        string body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("sample_rate", body, StringComparison.Ordinal);
    }

    private static async Task<byte[]> GenerateAsync(HttpClient api, object body) => (await GenerateWithStatusAsync(api, body)).Audio;

    private static async Task<(byte[] Audio, JsonElement Status)> GenerateWithStatusAsync(HttpClient api, object body, string? contentType = null)
    {
        using var response = await api.PostAsJsonAsync("/api/v1/voice/generate", body);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var taskId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetGuid();
        var status = await TaskPolling.WaitForFinishAsync(api, taskId, TimeSpan.FromMinutes(1));
        Assert.Equal("completed", status.GetProperty("status").GetString());
        using var plain = new HttpClient();
        using var download = await plain.GetAsync(status.GetProperty("result_url").GetString());
        if (contentType is not null)
        {
            Assert.Equal(contentType, download.Content.Headers.ContentType?.MediaType);
        }
        return (await download.Content.ReadAsByteArrayAsync(), status);
    }

    /// <summary>ffmpeg's reading of raw G.711 at 8 kHz, as a WAV.</summary>
    private static async Task<byte[]> DecodeRawAsync(byte[] codes, string ffmpegFormat)
    {
        string source = Path.GetTempFileName(), target = Path.GetTempFileName() + ".wav";
        try
        {
            await File.WriteAllBytesAsync(source, codes);
            await AudioTools.RunAsync("ffmpeg", ["-v", "error", "-y", "-f", ffmpegFormat, "-ar", "8000", "-ac", "1", "-i", source, target]);
            return await File.ReadAllBytesAsync(target);
        }
        finally
        {
            File.Delete(source);
            File.Delete(target);
        }
    }

    /// <summary>Speech, not silence or a constant: a loud enough level, and most of its 20 ms frames alternating between sound and pause.</summary>
    private static void AssertSpeechLike(byte[] codes, string format)
    {
        float[] samples = [.. codes.Select(c => (format == AudioFormats.MuLaw ? G711.FromMuLaw(c) : G711.FromALaw(c)) / 32768f)];
        double level = Signals.Decibels(Signals.Rms(samples));
        Assert.InRange(level, -40, -3);
        var frames = samples.Chunk(160).Select(f => Signals.Rms(f)).ToArray();
        Assert.True(frames.Max() > 10 * frames.Min() + 1e-4, "the level should vary like speech");
    }

    private static float[] Samples(byte[] wav)
    {
        var data = wav.AsSpan(wav.AsSpan().IndexOf("data"u8) + 8);
        var pcm = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, short>(data[..(data.Length & ~1)]);
        float[] samples = new float[pcm.Length];
        Pcm16.ToFloat(pcm, samples);
        return samples;
    }
}
