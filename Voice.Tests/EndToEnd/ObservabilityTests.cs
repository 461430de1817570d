using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Aspire.Hosting.Testing;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.EndToEnd;

/// <summary>
/// What an operator sees: one trace from the API request through the queue to the worker (exported over OTLP
/// to this run's collector), the metrics on the Prometheus endpoints, and the shipped alert rules and
/// dashboard checked against the metric names the services really export.
/// </summary>
[Collection(AppCollection.Name)]
public sealed partial class ObservabilityTests(VoiceAppFixture app)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task OneTraceRunsFromTheRequestThroughTheQueueToTheWorkersStages()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        using (var hook = await api.PostAsJsonAsync("/api/v1/webhooks", new { url = "http://127.0.0.1:9/hook" }))
        {
            Assert.Equal(HttpStatusCode.Created, hook.StatusCode); // nobody listens there: the attempt still belongs to the trace
        }
        string traceId = ActivityTraceId.CreateRandom().ToHexString();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/voice/generate")
        {
            Content = JsonContent.Create(new { text = "Follow me from the request to the worker.", format = "mp3" }),
        };
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01");

        using var response = await api.SendAsync(request);
        var task = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetString()!;
        await TaskPolling.WaitForFinishAsync(api, Guid.Parse(task), TimeSpan.FromSeconds(60));

        var server = await app.Otlp.WaitForAsync(s => s.TraceId == traceId && s.Service == "api" && s.Kind == 2, Patience); // SERVER
        var submit = await app.Otlp.WaitForAsync(s => s.TraceId == traceId && s.Name == "job.submit", Patience);
        var process = await app.Otlp.WaitForAsync(s => s.TraceId == traceId && s.Name == "job.process", Patience);
        var stages = new List<ReceivedSpan>();
        foreach (string stage in new[] { "speech.synthesize", "storage.upload", "webhook.deliver" })
        {
            stages.Add(await app.Otlp.WaitForAsync(s => s.TraceId == traceId && s.Name == stage, Patience));
        }

        Assert.Equal("worker", process.Service);
        Assert.Equal(task, submit.Attributes["voice.task_id"]);
        Assert.Equal(task, process.Attributes["voice.task_id"]);
        Assert.Equal(tenant.Id.ToString(), process.Attributes["voice.tenant_id"]); // the id, never the name
        Assert.Equal("espeak", process.Attributes["voice.engine"]);
        Assert.StartsWith("espeak-ng", process.Attributes["voice.model"], StringComparison.Ordinal);
        Assert.Equal("preset", process.Attributes["voice.voice_mode"]);
        Assert.Equal("41", process.Attributes["voice.characters"]);
        Assert.True(double.Parse(process.Attributes["voice.audio_seconds"], System.Globalization.CultureInfo.InvariantCulture) > 1);
        Assert.True(long.Parse(process.Attributes["voice.queue_wait_ms"], System.Globalization.CultureInfo.InvariantCulture) >= 0);
        Assert.All(stages, s => Assert.Equal(traceId, s.TraceId));
        Assert.Equal(5, process.Kind); // CONSUMER, continuing the producer's context
        Assert.NotEqual(server.SpanId, process.ParentSpanId);
        // Probes and scrapes stay out of the traces.
        Assert.DoesNotContain(app.Otlp.Spans, s => s.Name.Contains("/health", StringComparison.Ordinal) || s.Name.Contains("/metrics", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ThePrometheusEndpointsCountEveryJob()
    {
        const int Jobs = 4;
        string plan = await app.CreatePlanAsync(new { });
        var tenant = await app.CreateTenantAsync(plan);
        using var api = app.CreateApiClient(tenant.ApiKey);
        double processedBefore = Sum(await ScrapeAsync("worker"), "voice_jobs_processed_total", "outcome=\"completed\"");

        for (int i = 0; i < Jobs; i++)
        {
            using var submitted = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = $"Counted job {i}." });
            await TaskPolling.WaitForFinishAsync(api, (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetGuid(), TimeSpan.FromSeconds(60));
        }

        // The API counts by plan: this test's plan saw exactly these jobs (both API replicas together).
        string apiMetrics = await ScrapeAsync("api") + await ScrapeAsync("api-b");
        Assert.Equal(Jobs, Sum(apiMetrics, "voice_jobs_submitted_total", $"plan=\"{plan}\""));
        // Observable metrics are cumulative: wait for the worker's export to include the last completion.
        var deadline = DateTime.UtcNow + Patience;
        string worker;
        while (Sum(worker = await ScrapeAsync("worker"), "voice_jobs_processed_total", "outcome=\"completed\"") < processedBefore + Jobs)
        {
            Assert.True(DateTime.UtcNow < deadline, "the worker's completed-jobs counter did not grow by the jobs run");
            await Task.Delay(200);
        }
        foreach (string name in new[] { "voice_job_queue_wait_seconds_count", "voice_job_duration_seconds_count", "voice_engine_rtf_count",
            "voice_engine_first_chunk_seconds_count", "voice_queue_depth", "voice_queue_lag_seconds", "voice_worker_busy" })
        {
            Assert.Contains(name, worker, StringComparison.Ordinal);
        }
        Assert.Contains("http_server_request_duration_seconds", apiMetrics, StringComparison.Ordinal);
        // Slots and jobs are counted per pool (the platform's worker serves the embedded engine's pool).
        Assert.True(Sum(worker, "voice_jobs_processed_total", "pool=\"espeak\"") >= Jobs);
        Assert.Contains(worker.Split('\n'), l => l.StartsWith("voice_worker_busy{", StringComparison.Ordinal) && l.Contains("pool=\"espeak\"", StringComparison.Ordinal));
        // ... and so are the queue's depth and lag (each pool has its own lanes).
        Assert.Contains(worker.Split('\n'), l => l.StartsWith("voice_queue_depth{", StringComparison.Ordinal) && l.Contains("pool=\"espeak\"", StringComparison.Ordinal));
        Assert.Contains(worker.Split('\n'), l => l.StartsWith("voice_queue_lag_seconds{", StringComparison.Ordinal) && l.Contains("pool=\"espeak\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheAlertRulesPassPromtoolAndTheyAndTheDashboardUseOnlyExportedMetrics()
    {
        string root = RepositoryPaths.Root;
        // The PrometheusRule's groups, as promtool reads a rules file.
        string rules = Voice.Tests.Deploy.AlertRuleTests.WriteRuleGroups();
        var check = Process.Start(new ProcessStartInfo("promtool", ["check", "rules", rules]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string output = await check.StandardOutput.ReadToEndAsync() + await check.StandardError.ReadToEndAsync();
        await check.WaitForExitAsync();
        string rulesText = await File.ReadAllTextAsync(rules);
        File.Delete(rules);
        Assert.True(check.ExitCode == 0, output);

        // Produce the event-driven series first (a streamed request), then compare names.
        var tenant = await app.CreateTenantAsync();
        using (var api = app.CreateApiClient(tenant.ApiKey))
        {
            using var speech = await api.PostAsJsonAsync("/v1/audio/speech", new { model = "tts-1", input = "Scraped.", voice = "alloy", response_format = "pcm" });
            Assert.Equal(HttpStatusCode.OK, speech.StatusCode);
        }
        // Series that only appear once their event happened (a refusal, a Redis outage, a repair).
        string[] eventDriven = ["voice_ratelimit_refused_total", "voice_ratelimit_unavailable_total", "voice_admissions_refused_total", "voice_queue_reconciled_total",
            "voice_queue_reclaimed_total"];
        string dashboard = await File.ReadAllTextAsync(Path.Combine(root, "deploy", "k8s", "monitoring", "voice-dashboard.json"));
        var used = new[] { ("rules", rulesText), ("dashboard", dashboard) }
            .SelectMany(f => MetricName().Matches(f.Item2).Select(m => (File: f.Item1, Name: Regex.Replace(m.Value, "_(bucket|count|sum)$", ""))))
            .Where(u => !eventDriven.Contains(u.Name)).Distinct().ToList();
        // The exporter serves a scrape from its cache for a moment: scrape again (5 s at most) before calling a name missing.
        string exported = "";
        for (var deadline = DateTime.UtcNow.AddSeconds(5); ; await Task.Delay(500))
        {
            exported = await ScrapeAsync("api") + await ScrapeAsync("worker");
            if (used.All(u => exported.Contains(u.Name, StringComparison.Ordinal)) || DateTime.UtcNow > deadline)
            {
                break;
            }
        }
        foreach (var (file, name) in used)
        {
            Assert.True(exported.Contains(name, StringComparison.Ordinal), $"the {file} use {name}, which no service exports");
        }
        Assert.Equal(12, JsonDocument.Parse(dashboard).RootElement.GetProperty("panels").GetArrayLength());
    }

    [Fact]
    public async Task TheWorkerReportsTheQueueBacklogTheAutoscalerReads()
    {
        using var client = new HttpClient { BaseAddress = app.App.GetEndpoint("worker", "http") };
        using var response = await client.GetAsync("/queue/stats");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var stats = await response.Content.ReadFromJsonAsync<JsonElement>();
        long tenants = stats.GetProperty("tenants").GetInt64(), live = stats.GetProperty("live").GetInt64();
        Assert.True(tenants >= 0 && live >= 0);
        Assert.Equal(tenants + live, stats.GetProperty("backlog").GetInt64()); // KEDA's valueLocation
        Assert.True(stats.GetProperty("oldest_seconds").GetDouble() >= 0);
    }

    private async Task<string> ScrapeAsync(string service)
    {
        using var client = new HttpClient { BaseAddress = app.App.GetEndpoint(service, "http") };
        using var response = await client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The sum of a metric's samples whose labels contain <paramref name="label"/>.</summary>
    private static double Sum(string exposition, string metric, string label) =>
        exposition.Split('\n')
            .Where(l => l.StartsWith(metric + "{", StringComparison.Ordinal) && l.Contains(label, StringComparison.Ordinal))
            .Sum(l => double.Parse(l.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture));

    [GeneratedRegex(@"\b(voice|http_server)_[a-z_]+\b")]
    private static partial Regex MetricName();
}
