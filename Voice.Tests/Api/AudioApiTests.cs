using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Api;

[Collection(AppCollection.Name)]
public sealed class AudioApiTests(VoiceAppFixture app)
{
    [Fact]
    public async Task ReferenceRecordingIsAnalysed()
    {
        using var api = app.CreateDemoClient();
        var stereo = Audio.LoudnessMeterTests.Modulated(44_100, 5).SelectMany(s => new[] { s, s }).ToArray();

        using var response = await api.PostAsync("/api/v1/audio/analyze", Body(AudioTools.Wav16(stereo, 44_100, channels: 2), "audio/wav"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var analysis = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("wav", analysis.GetProperty("container").GetString());
        Assert.Equal(44_100, analysis.GetProperty("sample_rate").GetInt32());
        Assert.Equal(2, analysis.GetProperty("channels").GetInt32());
        Assert.Equal(5.0, analysis.GetProperty("duration_seconds").GetDouble(), 0.01);
        var quality = analysis.GetProperty("quality");
        Assert.InRange(quality.GetProperty("loudness_lufs").GetDouble(), -40, -5);
        Assert.Equal(44_100, quality.GetProperty("sample_rate").GetInt32());
        Assert.InRange(quality.GetProperty("speech_seconds").GetDouble(), 1, 5.1);
        Assert.Equal(JsonValueKind.Array, analysis.GetProperty("problems").ValueKind);
    }

    [Fact]
    public async Task FormatIsTakenFromTheBytesWhateverTheContentTypeSays()
    {
        using var api = app.CreateDemoClient();
        var mp3 = await AudioTools.FfmpegAsync(AudioTools.Wav16(Audio.LoudnessMeterTests.Modulated(24_000, 3), 24_000), "mp3", "-c:a", "libmp3lame");

        using var response = await api.PostAsync("/api/v1/audio/analyze", Body(mp3, "audio/wav"));

        Assert.Equal("mp3", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("container").GetString());
    }

    public static TheoryData<string, byte[], HttpStatusCode, string> BadUploads => new()
    {
        { "text", "certainly not audio"u8.ToArray(), HttpStatusCode.UnsupportedMediaType, "audio/unsupported-format" },
        { "truncated", AudioTools.Wav(1, 1, 16_000, 16, new byte[1000], dataSize: 500_000), HttpStatusCode.UnprocessableEntity, "audio/corrupt" },
        { "silent", AudioTools.Wav(1, 1, 16_000, 16, new byte[64_000]), HttpStatusCode.UnprocessableEntity, "audio/silent" },
        { "too short", AudioTools.Wav16(Signals.Sine(300, 16_000, 4_000), 16_000), HttpStatusCode.UnprocessableEntity, "audio/too-short" },
        { "too long", AudioTools.Wav16(Signals.Sine(300, 8_000, 8_000 * 70), 8_000), HttpStatusCode.UnprocessableEntity, "audio/too-long" },
        { "empty", [], HttpStatusCode.UnprocessableEntity, "audio/corrupt" },
    };

    [Theory]
    [MemberData(nameof(BadUploads))]
    public async Task BadUploadsGetTheirAudioProblemType(string name, byte[] file, HttpStatusCode status, string type)
    {
        using var api = app.CreateDemoClient();

        using var response = await api.PostAsync("/api/v1/audio/analyze", Body(file, "application/octet-stream"));

        var problem = await GenerateValidationTests.AssertProblemAsync(response, status, "https://voice.dev/problems/" + type);
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()), name);
    }

    [Fact]
    public async Task UploadOverTenMegabytesIsA413WithoutReadingItAll()
    {
        using var api = app.CreateDemoClient();

        using var response = await api.PostAsync("/api/v1/audio/analyze", Body(new byte[11 * 1024 * 1024], "audio/wav"));

        await GenerateValidationTests.AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "https://voice.dev/problems/audio/too-large");
    }

    [Theory]
    [InlineData("mp3", "audio/mpeg", "mp3")]
    [InlineData("opus", "audio/ogg", "opus")]
    [InlineData("flac", "audio/flac", "flac")]
    [InlineData("aac", "audio/aac", "aac")]
    [InlineData("wav", "audio/wav", "pcm_s16le")]
    public async Task ResultsComeInTheRequestedFormatWithTheirTags(string format, string contentType, string codec)
    {
        using var api = app.CreateDemoClient();
        using var submit = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = "Every format, please.", format });
        var taskId = (await submit.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetGuid();
        var status = await TaskPolling.WaitForFinishAsync(api, taskId, TimeSpan.FromSeconds(60));
        Assert.Equal("completed", status.GetProperty("status").GetString());

        using var download = await new HttpClient().GetAsync(status.GetProperty("result_url").GetString());
        Assert.Equal(contentType, download.Content.Headers.ContentType?.MediaType);
        var probe = await AudioTools.ProbeAsync(await download.Content.ReadAsByteArrayAsync());

        Assert.Equal(codec, probe.Codec);
        Assert.Equal(1, probe.Channels);
        string tags = string.Join(";", probe.Tags.Select(t => $"{t.Key}={t.Value}"));
        Assert.Contains(taskId.ToString(), tags);
        Assert.Contains("espeak", tags);
    }

    private static ByteArrayContent Body(byte[] bytes, string contentType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return content;
    }
}
