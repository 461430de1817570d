using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Voice.Core.Jobs;
using Voice.Tests.Api;
using Voice.Tests.Infrastructure;
using Voice.Tests.Worker;

namespace Voice.Tests.Hostile;

/// <summary>
/// An inline voice (a recording or a description in the generate request) costs a decode, a preparation and an
/// upload. A request the plan refuses, or one its idempotency key replays, is answered before that work; and a
/// voice's preparation job holds a concurrency slot like any job, so voices cannot be used to run past the limit.
/// The tenant's one slot is held by a job admitted straight into the ledger (never queued, so it stays open).
/// </summary>
[Collection(AppCollection.Name)]
public sealed class InlineVoiceAdmissionTests(VoiceAppFixture app)
{
    private const string Concurrency = "https://voice.dev/problems/concurrency-limit";

    [Fact]
    public async Task AnInlineCloneIsRefusedForConcurrencyBeforeItsRecordingIsDecoded()
    {
        using var api = await BusyTenantAsync();

        // Not audio at all: decoding would answer 400/415; the plan's refusal comes first.
        using var response = await api.PostAsJsonAsync("/api/v1/voice/generate", new
        {
            text = "Will I be decoded?",
            mode = "clone",
            ref_audio = Convert.ToBase64String("these bytes are not a recording of anyone"u8.ToArray()),
            consent = "The speaker agreed to this clone.",
        });

        await GenerateValidationTests.AssertProblemAsync(response, HttpStatusCode.TooManyRequests, Concurrency);
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task AVoicesPreparationCountsAgainstTheConcurrencyLimit()
    {
        using var api = await BusyTenantAsync();

        using var response = await api.PostAsJsonAsync("/api/v1/voices", new { description = "a calm, low voice", name = "Over the limit" });

        await GenerateValidationTests.AssertProblemAsync(response, HttpStatusCode.TooManyRequests, Concurrency);
        var voices = await api.GetFromJsonAsync<JsonElement>("/api/v1/voices");
        Assert.Equal(0, voices.GetProperty("voices").GetArrayLength()); // nothing half-made is left behind
    }

    [Fact]
    public async Task AReplayedInlineVoiceIsNotMadeAgain()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        var body = new { text = "Once is enough.", mode = "design", instruct = "a bright, quick voice" };
        string key = Guid.NewGuid().ToString("N");

        Guid first = await SubmitAsync(api, body, key, HttpStatusCode.Accepted);
        Guid again = await SubmitAsync(api, body, key, HttpStatusCode.OK);

        Assert.Equal(first, again);
        // Each transient voice the API makes is logged once; a replay must not make (and throw away) another.
        string marker = $"transient: True) created for tenant {tenant.Id}";
        await Task.Delay(TimeSpan.FromSeconds(1)); // the API's log reaches the capture asynchronously
        int made = app.LogOf("api", int.MaxValue).Split('\n').Count(line => line.Contains(marker, StringComparison.Ordinal))
            + app.LogOf("api-b", int.MaxValue).Split('\n').Count(line => line.Contains(marker, StringComparison.Ordinal));
        Assert.Equal(1, made);
    }

    private async Task<HttpClient> BusyTenantAsync()
    {
        string plan = await app.CreatePlanAsync(new { max_concurrent_jobs = 1 });
        var tenant = await app.CreateTenantAsync(plan);
        await using var worker = await WorkerHarness.StartAsync(app, new GatedFakeEngine());
        var held = await worker.Jobs.CreateAsync(new NewJob(tenant.Id, new JobSpec("Holding the only slot.", "en", "alloy", "wav"), null,
            new JobAdmission(JobAdmission.PeriodOf(DateTimeOffset.UtcNow), 1, null, null)), null, null, CancellationToken.None);
        Assert.Null(held.Refusal);
        return app.CreateApiClient(tenant.ApiKey);
    }

    private static async Task<Guid> SubmitAsync(HttpClient api, object body, string key, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/voice/generate") { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        using var response = await api.SendAsync(request);
        Assert.True(response.StatusCode == expected, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetGuid();
    }
}
