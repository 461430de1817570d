using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Voice.Core.Jobs;
using Voice.Tests.Infrastructure;
using Voice.Tests.Worker;

namespace Voice.Tests.Billing;

/// <summary>
/// Monthly quotas and the concurrency limit, held by the job ledger: a submission reserves under the tenant's
/// lock, completion settles to the actual amounts, failure and cancel refund, and each open job holds exactly
/// one slot until its single move to a final state.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class QuotaTests(VoiceAppFixture app)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static DateOnly ThisMonth => JobAdmission.PeriodOf(DateTimeOffset.UtcNow);

    [Fact]
    public async Task TheCharacterQuotaAdmitsExactlyUpToItsLimit()
    {
        string plan = await app.CreatePlanAsync(new { monthly_characters = 100 });
        var tenant = await app.CreateTenantAsync(plan);
        using var api = app.CreateApiClient(tenant.ApiKey);

        var first = await SubmitAsync(api, Text(60));
        using (var overByOne = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = Text(41) }))
        {
            await AssertQuotaExceededAsync(overByOne, 100);
        }
        var second = await SubmitAsync(api, Text(40)); // exactly at the limit
        using (var oneMore = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = "é" }))
        {
            await AssertQuotaExceededAsync(oneMore, 100);
        }

        await TaskPolling.WaitForFinishAsync(api, first, Patience);
        await TaskPolling.WaitForFinishAsync(api, second, Patience);
        var quota = await api.GetFromJsonAsync<JsonElement>("/api/v1/usage/quota");
        Assert.Equal(100, quota.GetProperty("used_characters").GetInt64()); // settled: reservations became use
        Assert.Equal(0, quota.GetProperty("reserved_characters").GetInt64());
        Assert.Equal(0, quota.GetProperty("active_jobs").GetInt32());
        Assert.Equal(100, quota.GetProperty("monthly_characters").GetInt64());
        Assert.Equal(ThisMonth.ToString("yyyy-MM-dd"), quota.GetProperty("period").GetString());
        using var still = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = "x" });
        await AssertQuotaExceededAsync(still, 100);
    }

    [Fact]
    public async Task CharactersAreCodePointsSoAnEmojiCountsOnce()
    {
        string plan = await app.CreatePlanAsync(new { monthly_characters = 12 });
        var tenant = await app.CreateTenantAsync(plan);
        using var api = app.CreateApiClient(tenant.ApiKey);

        string text = "Hello 👋 you!"; // 12 code points, 13 UTF-16 units
        var id = await SubmitAsync(api, text);

        await TaskPolling.WaitForFinishAsync(api, id, Patience);
        Assert.Equal(12, (await api.GetFromJsonAsync<JsonElement>("/api/v1/usage/quota")).GetProperty("used_characters").GetInt64());
    }

    [Fact]
    public async Task AFailedJobRefundsItsReservationAndItsSlot()
    {
        string plan = await app.CreatePlanAsync(new { monthly_characters = 100 });
        var tenant = await app.CreateTenantAsync(plan);
        using var api = app.CreateApiClient(tenant.ApiKey);
        await using var worker = await WorkerHarness.StartAsync(app, new CrashingFakeEngine(), maxAttempts: 1);
        var job = await AdmitAsync(worker, tenant.Id, Text(100), ThisMonth, monthlyCharacters: 100);
        var entry = await worker.DeliverAsync(tenant.Id, job.Id);
        await AssertQuotaExceededAsync(await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = "x" }), 100);

        await worker.Runner.RunAsync([entry], WorkerHarness.Consumer, CancellationToken.None);

        Assert.Equal("failed", (await api.GetFromJsonAsync<JsonElement>($"/api/v1/task/{job.Id}")).GetProperty("status").GetString());
        var quota = await api.GetFromJsonAsync<JsonElement>("/api/v1/usage/quota");
        Assert.Equal(0, quota.GetProperty("used_characters").GetInt64());
        Assert.Equal(0, quota.GetProperty("reserved_characters").GetInt64());
        Assert.Equal(0, quota.GetProperty("active_jobs").GetInt32());
        await SubmitAsync(api, Text(100)); // the whole month is available again
    }

    [Fact]
    public async Task ACanceledJobRefundsItsReservationAndItsSlot()
    {
        string plan = await app.CreatePlanAsync(new { monthly_characters = 100, max_concurrent_jobs = 1 });
        var tenant = await app.CreateTenantAsync(plan);
        using var api = app.CreateApiClient(tenant.ApiKey);
        await using var worker = await WorkerHarness.StartAsync(app, new GatedFakeEngine());
        var job = await AdmitAsync(worker, tenant.Id, Text(100), ThisMonth, monthlyCharacters: 100, maxActiveJobs: 1);
        await worker.DeliverAsync(tenant.Id, job.Id);
        using (var busy = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = "x" }))
        {
            await ProblemAsync(busy, HttpStatusCode.TooManyRequests, "https://voice.dev/problems/concurrency-limit");
        }

        using var cancel = await api.DeleteAsync($"/api/v1/task/{job.Id}");

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var quota = await api.GetFromJsonAsync<JsonElement>("/api/v1/usage/quota");
        Assert.Equal(0, quota.GetProperty("reserved_characters").GetInt64());
        Assert.Equal(0, quota.GetProperty("active_jobs").GetInt32());
        var again = await SubmitAsync(api, Text(100));
        await TaskPolling.WaitForFinishAsync(api, again, Patience);
        Assert.Equal(100, (await api.GetFromJsonAsync<JsonElement>("/api/v1/usage/quota")).GetProperty("used_characters").GetInt64());
    }

    [Fact]
    public async Task EachMonthHasItsOwnQuota()
    {
        var tenant = await app.CreateTenantAsync();
        var engine = new GatedFakeEngine();
        engine.Open();
        await using var worker = await WorkerHarness.StartAsync(app, engine);
        var nextMonth = ThisMonth.AddMonths(1);

        var november = await AdmitAsync(worker, tenant.Id, Text(50), ThisMonth, monthlyCharacters: 50);
        var refused = await worker.Jobs.CreateAsync(new NewJob(tenant.Id, Spec("x"), null, Limits(ThisMonth, 50, 100)), null, null, CancellationToken.None);
        var december = await AdmitAsync(worker, tenant.Id, Text(50), nextMonth, monthlyCharacters: 50); // the month rolled over
        Assert.Equal(AdmissionRefusal.Characters, refused.Refusal);
        Assert.Null(refused.Job);
        foreach (var job in new[] { november, december })
        {
            await worker.Runner.RunAsync([await worker.DeliverAsync(tenant.Id, job.Id)], WorkerHarness.Consumer, CancellationToken.None);
        }

        var periods = await PeriodsAsync(tenant.Id);
        Assert.Equal([(ThisMonth, 50L, 0L), (nextMonth, 50L, 0L)], periods);
        using var api = app.CreateApiClient(tenant.ApiKey);
        var quota = await api.GetFromJsonAsync<JsonElement>("/api/v1/usage/quota");
        Assert.Equal(50, quota.GetProperty("used_characters").GetInt64());
        Assert.Equal(new DateTimeOffset(nextMonth.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero), quota.GetProperty("resets_at").GetDateTimeOffset());
    }

    [Fact]
    public async Task TheConcurrencyLimitCountsQueuedAndRunningJobsAndEachReleasesItsSlotOnce()
    {
        string plan = await app.CreatePlanAsync(new { max_concurrent_jobs = 2 });
        var tenant = await app.CreateTenantAsync(plan);
        using var api = app.CreateApiClient(tenant.ApiKey);
        var engine = new GatedFakeEngine();
        await using var worker = await WorkerHarness.StartAsync(app, engine);
        var running = await AdmitAsync(worker, tenant.Id, "The running one.", ThisMonth, maxActiveJobs: 2);
        var queued = await AdmitAsync(worker, tenant.Id, "The queued one.", ThisMonth, maxActiveJobs: 2);
        var third = await worker.Jobs.CreateAsync(new NewJob(tenant.Id, Spec("A third."), null, Limits(ThisMonth, null, 2)), null, null, CancellationToken.None);
        Assert.Equal(AdmissionRefusal.Concurrency, third.Refusal);
        await worker.DeliverAsync(tenant.Id, queued.Id);

        // One job runs, then is redelivered (a missed heartbeat) and claimed again while the first attempt is still going.
        var firstAttempt = worker.Runner.RunAsync([await worker.DeliverAsync(tenant.Id, running.Id)], WorkerHarness.Consumer, CancellationToken.None);
        await engine.FirstChunkSent.WaitAsync(Patience);
        var secondAttempt = worker.Runner.RunAsync([await worker.DeliverAsync(tenant.Id, running.Id)], WorkerHarness.Consumer, CancellationToken.None);
        await WaitUntilAsync(async () => await EpochAsync(worker, running.Id) == 2);
        using (var refused = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = "Let me in." }))
        {
            await ProblemAsync(refused, HttpStatusCode.TooManyRequests, "https://voice.dev/problems/concurrency-limit");
            Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
        }
        Assert.Equal(2, await ActiveJobsAsync(api));

        engine.Open();
        await Task.WhenAll(firstAttempt, secondAttempt).WaitAsync(Patience);
        Assert.Equal("completed", (await api.GetFromJsonAsync<JsonElement>($"/api/v1/task/{running.Id}")).GetProperty("status").GetString());
        Assert.Equal(1, await ActiveJobsAsync(api)); // two attempts, one job, one slot
        var admitted = await SubmitAsync(api, "Now there is room.");
        (await api.DeleteAsync($"/api/v1/task/{queued.Id}")).EnsureSuccessStatusCode();
        await TaskPolling.WaitForFinishAsync(api, admitted, Patience);

        Assert.Equal(0, await ActiveJobsAsync(api));
    }

    internal static string Text(int length)
    {
        var words = string.Concat(Enumerable.Repeat("Plain words for quota tests. ", length / 29 + 1));
        return words[..length].TrimEnd().PadRight(length, 'a');
    }

    private static JobSpec Spec(string text) => new(text, "en", "alloy", "wav");

    private static JobAdmission Limits(DateOnly period, long? monthlyCharacters, int maxActiveJobs) => new(period, maxActiveJobs, monthlyCharacters, null);

    /// <summary>Admits a job through the ledger, as the API does, without queueing it (the test delivers it to its harness).</summary>
    private static async Task<Job> AdmitAsync(WorkerHarness worker, Guid tenantId, string text, DateOnly period, long? monthlyCharacters = null, int maxActiveJobs = 100)
    {
        var submitted = await worker.Jobs.CreateAsync(new NewJob(tenantId, Spec(text), null, Limits(period, monthlyCharacters, maxActiveJobs)), null, null, CancellationToken.None);
        Assert.Null(submitted.Refusal);
        return submitted.Job!;
    }

    private static async Task<Guid> SubmitAsync(HttpClient api, string text)
    {
        using var response = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetGuid();
    }

    private static async Task AssertQuotaExceededAsync(HttpResponseMessage response, long limit)
    {
        var problem = await ProblemAsync(response, HttpStatusCode.TooManyRequests, "https://voice.dev/problems/quota-exceeded");
        var now = DateTimeOffset.UtcNow;
        var reset = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);
        Assert.Equal("characters", problem.GetProperty("quota").GetString());
        Assert.Equal(limit, problem.GetProperty("limit").GetInt64());
        Assert.Equal(reset, problem.GetProperty("resets_at").GetDateTimeOffset());
        // Until the month ends, rounded up and counted from when the server answered (a moment before `now`).
        Assert.InRange(response.Headers.RetryAfter!.Delta!.Value.TotalSeconds, (reset - now).TotalSeconds - 30, (reset - now).TotalSeconds + 10);
    }

    private static Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string type) =>
        Api.GenerateValidationTests.AssertProblemAsync(response, status, type);

    /// <summary>The tenant's open jobs, as the admission counts them (the quota API's <c>active_jobs</c>).</summary>
    private static async Task<int> ActiveJobsAsync(HttpClient api) =>
        (await api.GetFromJsonAsync<JsonElement>("/api/v1/usage/quota")).GetProperty("active_jobs").GetInt32();

    /// <summary>The job's claim epoch (claims live in Redis until the job finishes).</summary>
    private static async Task<int?> EpochAsync(WorkerHarness worker, Guid jobId) =>
        (await worker.Services.GetRequiredService<JobQueue>().ClaimsAsync(WorkerHarness.Pool, [jobId])).GetValueOrDefault(jobId)?.Epoch;

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not come true in time");
            await Task.Delay(50);
        }
    }

    private async Task<List<(DateOnly Period, long Used, long Reserved)>> PeriodsAsync(Guid tenantId)
    {
        await using var db = NpgsqlDataSource.Create(await app.ConnectionStringAsync("voicedb"));
        await using var command = db.CreateCommand("""
            select q.period, q.used_chars,
                   (select coalesce(sum(reserved_chars), 0) from jobs j where j.tenant_id = q.tenant_id and j.quota_period = q.period and j.status in ('queued', 'running'))
            from quota_periods q where q.tenant_id = $1 order by q.period
            """);
        command.Parameters.Add(new() { Value = tenantId });
        await using var reader = await command.ExecuteReaderAsync();
        var periods = new List<(DateOnly, long, long)>();
        while (await reader.ReadAsync())
        {
            periods.Add((reader.GetFieldValue<DateOnly>(0), reader.GetInt64(1), reader.GetInt64(2)));
        }
        return periods;
    }
}
