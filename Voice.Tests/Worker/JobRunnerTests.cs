using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Voice.Core.Jobs;
using Voice.Speech.Engines;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Worker;

/// <summary>
/// The worker's job pipeline against the real ledger, queue and blob store, with fake engines where a
/// timing or a fault has to be produced on demand.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class JobRunnerTests(VoiceAppFixture app)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ALiveJobWhoseWorkerVanishedIsReclaimedAndFinishedByAnother()
    {
        var tenant = await app.CreateTenantAsync();
        await using var worker = await WorkerHarness.StartAsync(app, new GatedFakeEngine());
        var submitted = await worker.Jobs.CreateAsync(tenant.Id, new JobSpec("Heard live, then abandoned.", "en", "alloy", "pcm", Stream: true), null, null, null, CancellationToken.None);
        var entry = await worker.DeliverLiveAsync(tenant.Id, submitted.Job!.Id);
        // This harness "dies" holding the entry: it never claims, runs or acknowledges it.

        using var api = app.CreateApiClient(tenant.ApiKey);
        var done = await TaskPolling.WaitForFinishAsync(api, entry.JobId, TimeSpan.FromSeconds(60));

        Assert.Equal("completed", done.GetProperty("status").GetString());
        var db = worker.Services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>().GetDatabase();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await db.StreamRangeAsync(entry.LaneKey, entry.EntryId, entry.EntryId)).Length > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the reclaimed live entry was not acknowledged and deleted");
            await Task.Delay(100);
        }
        Assert.False(await db.HashExistsAsync("{voice}:inflight", entry.JobId.ToString("N")));
    }

    [Fact]
    public async Task CancelRequestedWhileRunningStopsAtTheNextChunkAndBillsNothing()
    {
        var tenant = await app.CreateTenantAsync();
        var engine = new GatedFakeEngine();
        await using var worker = await WorkerHarness.StartAsync(app, engine);
        var entry = await worker.SubmitAndDeliverAsync(tenant.Id, "Stop me halfway.");

        var run = worker.Runner.RunAsync([entry], WorkerHarness.Consumer, CancellationToken.None);
        await engine.FirstChunkSent.WaitAsync(Patience);
        using var api = app.CreateApiClient(tenant.ApiKey);
        using var cancel = await api.DeleteAsync($"/api/v1/task/{entry.JobId}");
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        Assert.True((await cancel.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("cancel_requested").GetBoolean());
        await run.WaitAsync(Patience);

        var status = await api.GetFromJsonAsync<JsonElement>($"/api/v1/task/{entry.JobId}");
        Assert.Equal("canceled", status.GetProperty("status").GetString());
        Assert.Equal(0, await UsageRecordsAsync(entry.JobId));
        Assert.Equal(0, await worker.PendingAsync(tenant.Id));
    }

    [Fact]
    public async Task StaleAttemptCannotCommitOverTheAttemptThatSupersededIt()
    {
        var tenant = await app.CreateTenantAsync();
        var engine = new GatedFakeEngine();
        await using var worker = await WorkerHarness.StartAsync(app, engine);
        var first = await worker.SubmitAndDeliverAsync(tenant.Id, "Two workers, one result.");
        var staleRun = worker.Runner.RunAsync([first], WorkerHarness.Consumer, CancellationToken.None);
        await engine.FirstChunkSent.WaitAsync(Patience);

        // The entry is redelivered (as after a missed heartbeat) and claimed again: a new epoch.
        var second = await worker.DeliverAsync(tenant.Id, first.JobId);
        var currentRun = worker.Runner.RunAsync([second], WorkerHarness.Consumer, CancellationToken.None);
        await WaitUntilAsync(async () => (await ClaimAsync(worker, first.JobId))?.Epoch == 2);
        engine.Open();
        await Task.WhenAll(staleRun, currentRun).WaitAsync(Patience);

        using var api = app.CreateApiClient(tenant.ApiKey);
        var status = await api.GetFromJsonAsync<JsonElement>($"/api/v1/task/{first.JobId}");
        Assert.Equal("completed", status.GetProperty("status").GetString());
        Assert.Equal(1, await UsageRecordsAsync(first.JobId));
        Assert.EndsWith("-2.wav", await ResultPathAsync(first.JobId));
        Assert.Equal(2, await EpochAsync(first.JobId)); // the ledger records the epoch that finished it
        var blobs = new Azure.Storage.Blobs.BlobServiceClient(await app.ConnectionStringAsync("blobs"))
            .GetBlobContainerClient("t-" + tenant.Id.ToString("N"));
        Assert.False(await blobs.GetBlobClient($"results/{first.JobId:N}-1.wav").ExistsAsync(), "the stale attempt's audio was left behind");
        Assert.True(await blobs.GetBlobClient($"results/{first.JobId:N}-2.wav").ExistsAsync());
    }

    [Fact]
    public async Task RecurringFaultIsRetriedThenFailedAndDeadLettered()
    {
        var tenant = await app.CreateTenantAsync();
        var engine = new CrashingFakeEngine();
        await using var worker = await WorkerHarness.StartAsync(app, engine, maxAttempts: 2);
        var entry = await worker.SubmitAndDeliverAsync(tenant.Id, "This engine always crashes.");

        await worker.Runner.RunAsync([entry], WorkerHarness.Consumer, CancellationToken.None);
        using var api = app.CreateApiClient(tenant.ApiKey);
        var afterFirst = await api.GetFromJsonAsync<JsonElement>($"/api/v1/task/{entry.JobId}");
        Assert.Equal("queued", afterFirst.GetProperty("status").GetString()); // handed back for another try
        Assert.Equal(1, afterFirst.GetProperty("attempts").GetInt32());
        Assert.Equal(1, await worker.PendingAsync(tenant.Id)); // still pending: reclaimable, not lost

        await worker.Runner.RunAsync([entry], WorkerHarness.Consumer, CancellationToken.None); // the redelivery

        var final = await api.GetFromJsonAsync<JsonElement>($"/api/v1/task/{entry.JobId}");
        Assert.Equal("failed", final.GetProperty("status").GetString());
        Assert.Equal("https://voice.dev/problems/attempts-exhausted", final.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(2, engine.Calls);
        Assert.Equal(0, await worker.PendingAsync(tenant.Id));
        using var admin = app.CreateAdminClient();
        var dead = await admin.GetFromJsonAsync<JsonElement>("/admin/v1/dead-letters?limit=1000");
        var letter = dead.GetProperty("data").EnumerateArray().Single(d => d.GetProperty("task_id").GetGuid() == entry.JobId);
        Assert.Contains("fake device fault", letter.GetProperty("reason").GetString());

        // An operator requeues it: a fresh set of attempts, and the platform's own worker finishes it.
        using var requeue = await admin.PostAsync($"/admin/v1/dead-letters/{letter.GetProperty("id").GetString()}/requeue", null);
        Assert.Equal(HttpStatusCode.Accepted, requeue.StatusCode);
        var requeued = await TaskPolling.WaitForFinishAsync(api, entry.JobId, Patience);
        Assert.Equal("completed", requeued.GetProperty("status").GetString());
    }

    [Fact]
    public async Task CompatibleJobsAreSynthesizedAsOneBatch()
    {
        var tenant = await app.CreateTenantAsync();
        var engine = new GatedFakeEngine(maxBatchSize: 4);
        engine.Open();
        await using var worker = await WorkerHarness.StartAsync(app, engine);
        var entries = new List<QueueEntry>();
        foreach (var (text, voice) in new[] { ("One.", "alloy"), ("Two.", "alloy"), ("Three.", "onyx"), ("Four.", "alloy") })
        {
            entries.Add(await worker.SubmitAndDeliverAsync(tenant.Id, text, voice));
        }

        await worker.Runner.RunAsync(entries, WorkerHarness.Consumer, CancellationToken.None);

        Assert.Equal([3], engine.BatchSizes); // the three alloy jobs together; onyx on its own
        using var api = app.CreateApiClient(tenant.ApiKey);
        foreach (var entry in entries)
        {
            var status = await api.GetFromJsonAsync<JsonElement>($"/api/v1/task/{entry.JobId}");
            Assert.Equal("completed", status.GetProperty("status").GetString());
            Assert.Equal(1, await UsageRecordsAsync(entry.JobId));
        }
    }

    [Fact]
    public async Task ShutdownHandsTheJobBackWithoutCountingTheAttempt()
    {
        var tenant = await app.CreateTenantAsync();
        var engine = new GatedFakeEngine();
        await using var worker = await WorkerHarness.StartAsync(app, engine);
        var entry = await worker.SubmitAndDeliverAsync(tenant.Id, "Interrupted by a deploy.");
        using var shutdown = new CancellationTokenSource();

        var run = worker.Runner.RunAsync([entry], WorkerHarness.Consumer, shutdown.Token);
        await engine.FirstChunkSent.WaitAsync(Patience);
        await shutdown.CancelAsync();
        await run.WaitAsync(Patience);

        using var api = app.CreateApiClient(tenant.ApiKey);
        var status = await api.GetFromJsonAsync<JsonElement>($"/api/v1/task/{entry.JobId}");
        Assert.Equal("queued", status.GetProperty("status").GetString());
        Assert.Equal(0, status.GetProperty("attempts").GetInt32());
        Assert.Equal(1, await worker.PendingAsync(tenant.Id));
    }

    [Fact]
    public async Task AJobAWorkerHoldsShowsRunningWhileItsLedgerRowStaysQueued()
    {
        var tenant = await app.CreateTenantAsync();
        var engine = new GatedFakeEngine();
        await using var worker = await WorkerHarness.StartAsync(app, engine);
        var entry = await worker.SubmitAndDeliverAsync(tenant.Id, "Held by a worker.");

        var run = worker.Runner.RunAsync([entry], WorkerHarness.Consumer, CancellationToken.None);
        await engine.FirstChunkSent.WaitAsync(Patience);
        using var api = app.CreateApiClient(tenant.ApiKey);
        var status = await api.GetFromJsonAsync<JsonElement>($"/api/v1/task/{entry.JobId}");
        Assert.Equal("running", status.GetProperty("status").GetString());
        Assert.Equal(1, status.GetProperty("attempts").GetInt32());
        Assert.Equal(JsonValueKind.String, status.GetProperty("started_at").ValueKind);
        var listed = await api.GetFromJsonAsync<JsonElement>("/api/v1/tasks?status=running");
        Assert.Contains(listed.GetProperty("data").EnumerateArray(), t => t.GetProperty("task_id").GetGuid() == entry.JobId);
        Assert.Equal("queued", await ScalarAsync("select status from jobs where id = $1", entry.JobId)); // the claim wrote nothing

        engine.Open();
        await run.WaitAsync(Patience);
        Assert.Equal("completed", await ScalarAsync("select status from jobs where id = $1", entry.JobId));
        Assert.Equal(1, (int)(await ScalarAsync("select attempts from jobs where id = $1", entry.JobId))!);
        Assert.NotNull(await ScalarAsync("select started_at from jobs where id = $1 and started_at <= finished_at", entry.JobId));
    }

    [Fact]
    public async Task AStaleClaimsCompletionIsRefusedOnceAnotherAttemptFinishedTheJob()
    {
        var tenant = await app.CreateTenantAsync();
        await using var worker = await WorkerHarness.StartAsync(app, new GatedFakeEngine());
        var entry = await worker.SubmitAndDeliverAsync(tenant.Id, "Finished once.");
        var queue = worker.Services.GetRequiredService<JobQueue>();
        var stale = (await worker.Jobs.ClaimManyAsync(await queue.ClaimManyAsync([entry]), 3, CancellationToken.None)).Single().Job!;
        var fresh = (await worker.Jobs.ClaimManyAsync(await queue.ClaimManyAsync([entry]), 3, CancellationToken.None)).Single().Job!;

        Completion Of(ClaimedJob job) => new(job, "fake", "fake", new JobResult($"results/{job.Id:N}-{job.Epoch}.wav", 10, 1000, 24_000), 5);
        Assert.Contains(entry.JobId, await worker.Jobs.CompleteManyAsync([Of(fresh)], CancellationToken.None));
        Assert.Empty(await worker.Jobs.CompleteManyAsync([Of(stale)], CancellationToken.None));
        Assert.False(await worker.Jobs.FailAsync(stale, """{"type":"late"}""", CancellationToken.None));

        Assert.Equal(1L, await UsageRecordsAsync(entry.JobId));
        Assert.EndsWith("-2.wav", await ResultPathAsync(entry.JobId));
        Assert.Equal(2, await EpochAsync(entry.JobId));
    }

    [Fact]
    public async Task AJobClaimedPastItsAttemptsFailsInTheLedgerWithoutRunning()
    {
        var tenant = await app.CreateTenantAsync();
        var engine = new GatedFakeEngine();
        await using var worker = await WorkerHarness.StartAsync(app, engine, maxAttempts: 2);
        var entry = await worker.SubmitAndDeliverAsync(tenant.Id, "Its workers kept dying.");
        var queue = worker.Services.GetRequiredService<JobQueue>();
        await queue.ClaimManyAsync([entry]); // two attempts whose workers died without a word
        await queue.ClaimManyAsync([entry]);

        await worker.Runner.RunAsync([entry], WorkerHarness.Consumer, CancellationToken.None); // the third delivery

        using var api = app.CreateApiClient(tenant.ApiKey);
        var status = await api.GetFromJsonAsync<JsonElement>($"/api/v1/task/{entry.JobId}");
        Assert.Equal("failed", status.GetProperty("status").GetString());
        Assert.Equal("https://voice.dev/problems/attempts-exhausted", status.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(2, status.GetProperty("attempts").GetInt32());
        Assert.False(engine.FirstChunkSent.IsCompleted); // never run
        Assert.Equal(0L, await UsageRecordsAsync(entry.JobId));
        Assert.Equal(0, await worker.PendingAsync(tenant.Id));
    }

    private static async Task<ClaimState?> ClaimAsync(WorkerHarness worker, Guid jobId) =>
        (await worker.Services.GetRequiredService<JobQueue>().ClaimsAsync(WorkerHarness.Pool, [jobId])).GetValueOrDefault(jobId);

    private async Task<long> UsageRecordsAsync(Guid jobId) =>
        (long)(await ScalarAsync("select count(*) from usage_records where job_id = $1", jobId))!;

    private async Task<int> EpochAsync(Guid jobId) => (int)(await ScalarAsync("select epoch from jobs where id = $1", jobId))!;

    private async Task<string> ResultPathAsync(Guid jobId) => (string)(await ScalarAsync("select result_path from jobs where id = $1", jobId))!;

    /// <summary>Reads the ledger as its owner (no tenant scope), to check what the API does not show.</summary>
    private async Task<object?> ScalarAsync(string sql, Guid jobId)
    {
        await using var db = NpgsqlDataSource.Create(await app.ConnectionStringAsync("voicedb"));
        await using var command = db.CreateCommand(sql);
        command.Parameters.Add(new() { Value = jobId });
        return await command.ExecuteScalarAsync();
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var cts = new CancellationTokenSource(Patience);
        while (!await condition())
        {
            await Task.Delay(20, cts.Token);
        }
    }
}
