using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Voice.Core.Jobs;
using Voice.Tests.Api;
using Voice.Tests.Infrastructure;
using Voice.Tests.Worker;

namespace Voice.Tests.Hostile;

/// <summary>
/// A pronunciation rule that turns two letters into a paragraph cannot turn a short text into an hour of audio: the
/// per-request limit and the month's reservation count what will be spoken, and rules added after submission cannot
/// make a job longer than it was admitted.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class PronunciationAmplificationTests(VoiceAppFixture app)
{
    private static readonly string Paragraph = string.Join(' ', Enumerable.Repeat("amplified", 49)); // 489 characters

    [Fact]
    public async Task TheRequestLimitCountsTheTextAsTheRulesMakeIt()
    {
        var tenant = await app.CreateTenantAsync(await app.CreatePlanAsync(new { max_text_chars = 2000 }));
        using var api = app.CreateApiClient(tenant.ApiKey);
        await AddRuleAsync(api);

        using var response = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = "zq zq zq zq zq" });

        var problem = await GenerateValidationTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");
        string message = problem.GetProperty("errors").GetProperty("text")[0].GetString()!;
        Assert.Contains("pronunciation rules make this text 2449 characters", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheMonthsAudioReservationCountsWhatWillBeSpoken()
    {
        var tenant = await app.CreateTenantAsync(await app.CreatePlanAsync(new { monthly_audio_seconds = 60 }));
        using var api = app.CreateApiClient(tenant.ApiKey);

        using (var plain = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = "zq zq zq" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, plain.StatusCode); // eight characters: a second of audio
        }
        await AddRuleAsync(api);
        using var amplified = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = "zq zq zq" });

        // 1,469 characters once spoken: about two minutes, over the month's minute.
        await GenerateValidationTests.AssertProblemAsync(amplified, HttpStatusCode.TooManyRequests, "https://voice.dev/problems/quota-exceeded");
    }

    [Fact]
    public async Task ARuleAddedAfterSubmissionCannotLengthenAnAdmittedJob()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        await using var worker = await WorkerHarness.StartAsync(app, new GatedFakeEngine());
        var admitted = await worker.Jobs.CreateAsync(new NewJob(tenant.Id, new JobSpec("zq zq", "en", "alloy", "wav"), null,
            new JobAdmission(JobAdmission.PeriodOf(DateTimeOffset.UtcNow), 10, null, null)), null, null, CancellationToken.None);
        await AddRuleAsync(api);
        var entry = await worker.DeliverAsync(tenant.Id, admitted.Job!.Id);

        await worker.Runner.RunAsync([entry], "test", CancellationToken.None);

        var status = await api.GetFromJsonAsync<JsonElement>($"/api/v1/task/{admitted.Job.Id}");
        Assert.Equal("failed", status.GetProperty("status").GetString());
        Assert.Contains("text-too-long", status.GetProperty("error").GetProperty("type").GetString(), StringComparison.Ordinal);
    }

    private static async Task AddRuleAsync(HttpClient api)
    {
        using var rule = await api.PostAsJsonAsync("/api/v1/lexicons", new { term = "zq", replacement = Paragraph });
        Assert.Equal(HttpStatusCode.Created, rule.StatusCode);
    }
}
