using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using NAudio.Wave;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.EndToEnd;

/// <summary>One request through the whole system: API → Postgres → Redis → worker → espeak-ng → blobs → download.</summary>
[Collection(AppCollection.Name)]
public sealed class GenerateEndToEndTests(VoiceAppFixture app)
{
    // espeak-ng at its default 175 words per minute speaks English at about 16 characters per second.
    private const double CharactersPerSecond = 16.0;

    [Theory]
    [InlineData("Hello world, this is a test of the voice platform.", "en", "alloy")]
    [InlineData("The quick brown fox jumps over the lazy dog. It was a sunny day, and everyone came out to enjoy the warm weather by the river.", "en", "onyx")]
    public async Task SubmittedTextBecomesDownloadable24kHzMonoWav(string text, string language, string voice)
    {
        using var api = app.CreateDemoClient();

        using var submit = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text, language, voice, format = "wav" });

        Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);
        var accepted = await submit.Content.ReadFromJsonAsync<JsonElement>();
        var taskId = accepted.GetProperty("task_id").GetGuid();
        Assert.Equal("queued", accepted.GetProperty("status").GetString());
        Assert.Equal(submit.Headers.Location, new Uri(accepted.GetProperty("status_url").GetString()!));

        var status = await TaskPolling.WaitForFinishAsync(api, taskId, TimeSpan.FromSeconds(60));
        Assert.True(status.GetProperty("status").GetString() == "completed", $"task ended as {status}\nworker log:\n{app.LogOf("worker")}");
        var result = status.GetProperty("result");
        Assert.Equal(24_000, result.GetProperty("sample_rate").GetInt32());
        Assert.Equal("espeak", result.GetProperty("engine").GetString());

        using var anonymous = new HttpClient();
        using var download = await anonymous.GetAsync(status.GetProperty("result_url").GetString());
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("audio/wav", download.Content.Headers.ContentType?.MediaType);
        byte[] wav = await download.Content.ReadAsByteArrayAsync();
        Assert.Equal(result.GetProperty("bytes").GetInt64(), wav.Length);
        Assert.Equal("RIFF"u8.ToArray(), wav[..4]);

        using var reader = new WaveFileReader(new MemoryStream(wav));
        Assert.Equal(24_000, reader.WaveFormat.SampleRate);
        Assert.Equal(1, reader.WaveFormat.Channels);
        Assert.Equal(16, reader.WaveFormat.BitsPerSample);
        double seconds = reader.TotalTime.TotalSeconds;
        double estimate = text.Length / CharactersPerSecond;
        Assert.InRange(seconds, estimate * 0.7, estimate * 1.3);
        Assert.Equal(result.GetProperty("duration_seconds").GetDouble(), seconds, 0.01);

        var samples = new float[reader.SampleCount];
        reader.ToSampleProvider().Read(samples);
        Assert.True(Signals.Rms(samples) > 0.02, "the audio is (nearly) silent");
    }

    [Fact]
    public async Task TamperedOrForeignResultLinksAreRefused()
    {
        using var api = app.CreateDemoClient();
        using var submit = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = "Signed links only." });
        var taskId = (await submit.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetGuid();
        var status = await TaskPolling.WaitForFinishAsync(api, taskId, TimeSpan.FromSeconds(60));
        string url = status.GetProperty("result_url").GetString()!;

        using var anonymous = new HttpClient();
        string[] forged =
        [
            url.Replace("signature=", "signature=x", StringComparison.Ordinal),
            url.Replace($"/task/{taskId}/", $"/task/{Guid.NewGuid()}/", StringComparison.Ordinal),
            url[..url.IndexOf("&expires=", StringComparison.Ordinal)] + "&expires=9999999999" + url[url.IndexOf("&signature=", StringComparison.Ordinal)..],
            url[..url.IndexOf('?', StringComparison.Ordinal)],
        ];
        foreach (string link in forged)
        {
            using var response = await anonymous.GetAsync(link);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }
}
