using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Voice.Core.Jobs;
using Voice.Tests.Infrastructure;
using Voice.Tests.Worker;

namespace Voice.Tests.Hostile;

/// <summary>
/// Text that cannot be stored (NUL, unpaired surrogates, non-characters) is a 400 naming where it is, on every way in;
/// and a row that fails anyway fails only its own submission, never another tenant's in the same group commit.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class UnstorableTextTests(VoiceAppFixture app)
{
    [Theory]
    [InlineData("hello\\u0000world", "U+0000 at index 5")]
    [InlineData("bell\\u0007", "U+0007 at index 4")]
    [InlineData("lone \\ud800 surrogate", "unpaired surrogate")]
    [InlineData("swapped \\udc00\\ud800", "unpaired surrogate")]
    [InlineData("not a character \\uffff", "U+FFFF at index 16")]
    [InlineData("plane one \\ud83f\\udffe", "U+1FFFE at index 10")]
    public async Task GenerateRefusesUnstorableTextNamingThePosition(string text, string named)
    {
        using var api = app.CreateDemoClient();

        using var response = await api.PostAsync("/api/v1/voice/generate", Json($$"""{"text":"{{text}}"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("https://voice.dev/problems/invalid-json", problem.GetProperty("type").GetString());
        Assert.Contains(named, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("$.text", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TabsLineBreaksAndEmojiAreFine()
    {
        using var api = app.CreateDemoClient();

        using var response = await api.PostAsync("/api/v1/voice/generate", Json("""{"text":"one\ttwo\r\nthree \ud83d\ude00"}"""));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task OpenAiSpeechAndVoiceNamesRefuseNulToo()
    {
        using var api = app.CreateDemoClient();

        using var speech = await api.PostAsync("/v1/audio/speech", Json("""{"model":"tts-1","voice":"alloy","input":"a\u0000b"}"""));
        using var designed = await api.PostAsync("/api/v1/voices", Json("""{"mode":"design","name":"x\u0000","description":"a calm voice"}"""));
        using var form = new MultipartFormDataContent
        {
            { new StringContent("clone"), "mode" },
            { new StringContent("nul\0name"), "name" },
            { new StringContent("I consent."), "consent" },
            { new ByteArrayContent(AudioTools.Wav16([.. Enumerable.Range(0, 72_000).Select(i => 0.3f * MathF.Sin(i * 0.05f))], 24_000)) { Headers = { ContentType = new MediaTypeHeaderValue("audio/wav") } }, "audio", "ref.wav" },
        };
        using var cloned = await api.PostAsync("/api/v1/voices", form);

        Assert.Equal(HttpStatusCode.BadRequest, speech.StatusCode);
        Assert.Contains("U+0000 at index 1", (await Json(speech)).GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, designed.StatusCode);
        Assert.Contains("U+0000 at index 1", (await Json(designed)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, cloned.StatusCode);
        Assert.Contains("U+0000 at index 3", (await Json(cloned)).GetProperty("errors").GetProperty("name")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OneTenantsBadRowFailsOnlyItsOwnSubmissionInAGroupCommit()
    {
        var victim = await app.CreateTenantAsync();
        var attacker = await app.CreateTenantAsync();
        await using var worker = await WorkerHarness.StartAsync(app, new GatedFakeEngine());
        await using var submitter = new JobSubmitter(worker.Jobs, worker.Services.GetRequiredService<JobQueue>(), NullLogger<JobSubmitter>.Instance);

        // Interleaved so that group commits mix both tenants' rows. The attacker's rows fail in Postgres (a callback URL
        // over the column's 2,048-character check) or are refused at the door (NUL, which Postgres cannot even receive).
        string overlong = "https://example.com/" + new string('a', 3000);
        var submissions = Enumerable.Range(0, 60).Select(i => (i % 3) switch
        {
            0 => (Victim: true, Task: submitter.SubmitAsync(new NewJob(victim.Id, new JobSpec($"fine {i}", "en", "alloy", "wav"), null, Pool: WorkerHarness.Pool), 1)),
            1 => (Victim: false, Task: submitter.SubmitAsync(new NewJob(attacker.Id, new JobSpec($"bad {i}", "en", "alloy", "wav"), overlong, Pool: WorkerHarness.Pool), 1)),
            _ => (Victim: false, Task: submitter.SubmitAsync(new NewJob(attacker.Id, new JobSpec($"bad\0{i}", "en", "alloy", "wav"), null, Pool: WorkerHarness.Pool), 1)),
        }).ToList();
        await Task.WhenAll(submissions.Select(s => s.Task).Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));

        Assert.All(submissions.Where(s => s.Victim), s => Assert.True(s.Task.IsCompletedSuccessfully, s.Task.Exception?.ToString()));
        Assert.All(submissions.Where(s => !s.Victim), s => Assert.True(s.Task.IsFaulted));
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<JsonElement> Json(HttpResponseMessage response) => JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
}
