using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Voice.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Voice.Tests.EndToEnd;

/// <summary>
/// What a pool scaled to zero costs its first job, as far as one machine can show it: the pool's only worker is gone
/// (its job waits in the queue), a worker process starts cold (the real Voice.Worker binary, the embedded engine) and
/// finishes that job. KEDA's polling and the cluster's pod scheduling and image pull come on top (deploy/README.md,
/// Scaling). The timings are written to the test output.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class ColdPoolStartTests(VoiceAppFixture app, ITestOutputHelper output)
{
    private const string Pool = "cold-espeak";

    [Fact]
    public async Task AJobQueuedForAPoolAtZeroIsDoneByAWorkerStartedCold()
    {
        // A pool the autoscaler takes to zero, as the generated manifests mark GPU pools.
        await using var workers = await WorkerProcesses.StartAsync(app, Pool, 1,
            new Dictionary<string, string?> { ["Speech__Engine"] = "espeak", ["Worker__ScalesToZero"] = "true" });
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (!(await api.GetStringAsync("/api/v1/models")).Contains($"\"{Pool}\"", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"pool {Pool} never announced itself");
            await Task.Delay(250);
        }
        await Task.Delay(TimeSpan.FromSeconds(2.5)); // the API's routing view of the pools refreshes every 2 s

        var samples = new List<(double Claimed, double Done)>();
        for (int run = 0; run < 3; run++)
        {
            workers.KillOne(); // the pool at zero: it stays routable and its jobs wait
            using var response = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = "The first job after a quiet hour.", voice = "alloy", model = Pool });
            string body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {body}");
            var task = JsonDocument.Parse(body).RootElement.GetProperty("task_id").GetGuid();
            await Task.Delay(500);
            Assert.Equal("queued", (await api.GetFromJsonAsync<JsonElement>($"/api/v1/task/{task}")).GetProperty("status").GetString());

            var clock = Stopwatch.StartNew();
            workers.Start();
            double claimed = double.NaN;
            JsonElement status;
            while (true)
            {
                status = await api.GetFromJsonAsync<JsonElement>($"/api/v1/task/{task}");
                string state = status.GetProperty("status").GetString()!;
                if (state == "running" && double.IsNaN(claimed))
                {
                    claimed = clock.Elapsed.TotalSeconds;
                }
                if (state is not ("queued" or "running"))
                {
                    break;
                }
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(120), "the cold worker did not finish the queued job in 120 s");
                await Task.Delay(50);
            }
            double done = clock.Elapsed.TotalSeconds;
            Assert.Equal("completed", status.GetProperty("status").GetString());
            Assert.Equal(Pool, status.GetProperty("request").GetProperty("model").GetString());
            samples.Add((claimed, done));
            output.WriteLine($"run {run + 1}: cold worker process start -> job claimed {claimed:F2} s, -> job done {done:F2} s");
        }
        var sorted = samples.Select(s => s.Done).Order().ToList();
        output.WriteLine($"cold start to first job done (espeak, {samples.Count} runs): median {sorted[sorted.Count / 2]:F2} s, min {sorted[0]:F2} s, max {sorted[^1]:F2} s");
    }
}
