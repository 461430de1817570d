using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Voice.Speech.Engines;
using Voice.Speech.Espeak;

// The load harness (issue: "1,000 concurrent requests, < 2 s average", measured). Each scenario starts the real
// AppHost (local Postgres, Redis, Azurite, API, worker) and drives it open-loop from this process over loopback:
//   submit      POST /api/v1/voice/generate across 50 tenants at rising arrival rates (up to 1,000 connections):
//               202 throughput and latency, against a trivial ASP.NET endpoint in this process as the framework's ceiling.
//   end-to-end  short texts (100 characters) at rising rates with the embedded engine: submit → completed (followed
//               over the task's SSE events), against the engine alone speaking the same text.
// Usage: dotnet run -c Release --project bench/Voice.Bench.Load [-- submit|end-to-end|all [seconds per step]]
string scenario = args.Length > 0 ? args[0] : "all";
var seconds = TimeSpan.FromSeconds(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10);
var report = new StringBuilder();
string commit = Git("rev-parse --short HEAD");
report.AppendLine(CultureInfo.InvariantCulture, $"Commit {commit}, {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd}, {seconds.TotalSeconds:0} s a step, open loop (latency from each request's due time).");

if (scenario is "submit" or "all")
{
    await SubmitAsync();
}
if (scenario is "profile")
{
    // For a profiler attached to the API: the worker paused, 300 submissions a second for a minute.
    await using var platform = await Platform.StartAsync("null");
    var keys = await platform.TenantsAsync(50);
    await platform.StopWorkerAsync();
    string body = new string('a', 60) + " submit load test sentence.";
    Console.Error.WriteLine("profile: load starts");
    var step = await OpenLoop.RunAsync(300, TimeSpan.FromSeconds(60), async i =>
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/voice/generate") { Content = JsonContent.Create(new { text = body }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", keys[i % keys.Count]);
        using var response = await platform.Api.SendAsync(request);
        return (int)response.StatusCode;
    });
    Console.Error.WriteLine(FormattableString.Invariant($"profile: p50 {step.P50Us / 1000.0:N1} ms, p99 {step.P99Ms:N1} ms"));
}
if (scenario is "end-to-end" or "all")
{
    await EndToEndAsync();
}
Console.WriteLine(report);
string results = Path.Combine(Root(), "bench", "results");
Directory.CreateDirectory(results);
await File.WriteAllTextAsync(Path.Combine(results, $"load-{DateTime.UtcNow:yyyyMMdd-HHmmss}.md"), report.ToString());

async Task SubmitAsync()
{
    // The ceiling: a minimal POST endpoint that reads the same JSON and answers 202, in this process.
    var trivial = WebApplication.CreateSlimBuilder();
    trivial.WebHost.UseUrls("http://127.0.0.1:0");
    trivial.Logging.ClearProviders();
    var peer = trivial.Build();
    peer.MapPost("/submit", async (HttpContext context) =>
    {
        var body = await JsonSerializer.DeserializeAsync<JsonElement>(context.Request.Body);
        return Results.Accepted(null, new Dictionary<string, string> { ["task_id"] = Guid.NewGuid().ToString(), ["status"] = body.GetProperty("text").GetString() is null ? "" : "queued" });
    });
    await peer.StartAsync();
    using var peerClient = Client(new Uri(peer.Urls.First()));
    string text = new string('a', 60) + " submit load test sentence.";
    var peerSteps = await RampAsync(async i =>
    {
        using var response = await peerClient.PostAsJsonAsync("/submit", new { text });
        return (int)response.StatusCode;
    }, [1000, 2000, 4000, 8000, 16000]);
    await peer.StopAsync();

    await using var platform = await Platform.StartAsync("null");
    var keys = await platform.TenantsAsync(50);
    async Task<int> SubmitOne(int i)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/voice/generate") { Content = JsonContent.Create(new { text }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", keys[i % keys.Count]);
        using var response = await platform.Api.SendAsync(request);
        return (int)response.StatusCode;
    }
    double[] rates = [100, 200, 400, 800, 1600];
    var ours = await RampAsync(SubmitOne, rates);
    // The same with the worker stopped: what the API, Postgres and Redis cost alone, without the worker (null engine,
    // but the full pipeline: encode, encrypt, store in Azurite, settle) competing for this machine's two cores.
    await platform.StopWorkerAsync();
    var apiOnly = await RampAsync(SubmitOne, rates);

    report.AppendLine().AppendLine("### submit: POST /api/v1/voice/generate, 50 tenants, with the worker running the jobs (null engine)").AppendLine();
    Table(ours, "Voice");
    report.AppendLine().AppendLine("The same, worker stopped (jobs only queue: the API with Postgres and Redis):").AppendLine();
    Table(apiOnly, "Voice, API only");
    report.AppendLine().AppendLine("Peer: a trivial ASP.NET Core endpoint (read the JSON, answer 202), same process as the load:").AppendLine();
    Table(peerSteps, "trivial");
    var ceiling = Sustained(peerSteps)?.AchievedRate ?? 0;
    foreach (var (label, steps) in new[] { ("with the worker", ours), ("API only", apiOnly) })
    {
        double best = Sustained(steps)?.AchievedRate ?? 0;
        report.AppendLine().AppendLine(CultureInfo.InvariantCulture,
            $"Highest step with p99 < 100 ms and no errors, {label}: {best:N0}/s; trivial endpoint {ceiling:N0}/s → **{best / Math.Max(1, ceiling):P1} of the framework's ceiling**.");
    }
}

async Task EndToEndAsync()
{
    string text = "The quarterly report is ready. Sales grew in every region, and the new product line sold out twice.";
    // The engine alone: the same text, same voice, this process.
    var engine = new EspeakEngine();
    await engine.WarmUpAsync(CancellationToken.None);
    var voice = await engine.CreateVoiceAsync(new PresetVoiceSpec("alloy", "en"), CancellationToken.None);
    var engineTimes = new List<double>();
    double audioSeconds = 0;
    for (int i = 0; i < 20; i++)
    {
        long started = Stopwatch.GetTimestamp();
        int samples = 0;
        await foreach (var chunk in engine.SynthesizeAsync(new SynthesisRequest(text, "en", voice), CancellationToken.None))
        {
            samples += chunk.Samples.Length;
        }
        engineTimes.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        audioSeconds = samples / (double)engine.Capabilities.SampleRate;
    }
    engineTimes.Sort();
    double engineMedian = engineTimes[engineTimes.Count / 2];

    await using var platform = await Platform.StartAsync("espeak");
    var keys = await platform.TenantsAsync(10);
    async Task<int> SpeakOne(int i)
    {
        string key = keys[i % keys.Count];
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/voice/generate") { Content = JsonContent.Create(new { text }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var submitted = await platform.Api.SendAsync(request);
        if (submitted.StatusCode != HttpStatusCode.Accepted)
        {
            return (int)submitted.StatusCode;
        }
        string id = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetString()!;
        // Follow the task's live events until it ends, as a client would.
        using var events = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/task/{id}/events");
        events.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var stream = await platform.Api.SendAsync(events, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("event: task.completed", StringComparison.Ordinal))
            {
                return 200;
            }
            if (line.StartsWith("event: task.failed", StringComparison.Ordinal) || line.StartsWith("event: task.canceled", StringComparison.Ordinal))
            {
                return 500;
            }
        }
        return -1;
    }
    var steps = await RampAsync(SpeakOne, [2, 4, 8, 16, 32, 64], stopAtP99Ms: 30_000);
    // The seed's claim: 1,000 requests arriving together (within one second), each followed to its end.
    var burstClock = Stopwatch.StartNew();
    var burst = await OpenLoop.RunAsync(1000, TimeSpan.FromSeconds(1), SpeakOne);
    double drained = burstClock.Elapsed.TotalSeconds;

    report.AppendLine().AppendLine(CultureInfo.InvariantCulture,
        $"### end-to-end: {text.Length}-character texts, embedded engine, 2 worker slots; submit → task.completed (SSE)").AppendLine();
    Table(steps, "Voice");
    report.AppendLine().AppendLine("A burst of 1,000 requests within one second (the seed's \"1,000 concurrent requests\"), each followed to task.completed:").AppendLine();
    Table([burst], "Voice");
    report.AppendLine().AppendLine(CultureInfo.InvariantCulture,
        $"Mean completion {burst.MeanUs / 1000.0:N0} ms; the last finished {drained:N1} s after the first was sent ({burst.Requests / drained:N1} jobs/s through 2 worker slots).");
    report.AppendLine().AppendLine(CultureInfo.InvariantCulture,
        $"The engine alone speaks this text ({audioSeconds:0.0} s of audio) in {engineMedian:0} ms (median of 20, this process): at low load the platform's " +
        $"overhead is p50 − {engineMedian:0} ms.");
}

async Task<List<OpenLoop.Step>> RampAsync(Func<int, Task<int>> send, double[] rates, double stopAtP99Ms = 1_000)
{
    await OpenLoop.RunAsync(rates[0], TimeSpan.FromSeconds(2), send); // warm-up: JIT, connections, caches
    var steps = new List<OpenLoop.Step>();
    foreach (double rate in rates)
    {
        var step = await OpenLoop.RunAsync(rate, seconds, send);
        steps.Add(step);
        Console.Error.WriteLine(FormattableString.Invariant($"  {rate}/s → {step.AchievedRate:N0}/s, p99 {step.P99Ms:N1} ms, errors {step.Errors}"));
        if (step.P99Ms > stopAtP99Ms || step.AchievedRate < rate * 0.8)
        {
            break; // saturated: the next step would only queue
        }
        await Task.Delay(TimeSpan.FromSeconds(2)); // let queues drain between steps
    }
    return steps;
}

static OpenLoop.Step? Sustained(IEnumerable<OpenLoop.Step> steps) =>
    steps.Where(s => s.P99Ms < 100 && s.Errors == 0 && s.AchievedRate >= s.TargetRate * 0.95).MaxBy(s => s.AchievedRate);

void Table(IEnumerable<OpenLoop.Step> steps, string who)
{
    report.AppendLine("| target/s | achieved/s | requests | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | answers |");
    report.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    foreach (var s in steps)
    {
        string answers = string.Join(", ", s.Statuses.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}×{kv.Value}"));
        report.AppendLine(CultureInfo.InvariantCulture,
            $"| {s.TargetRate:N0} | {s.AchievedRate:N0} | {s.Requests:N0} | {s.P50Us / 1000.0:N1} | {s.P90Us / 1000.0:N1} | {s.P99Us / 1000.0:N1} | {s.P999Us / 1000.0:N1} | {s.MaxUs / 1000.0:N1} | {answers} |");
    }
}

static HttpClient Client(Uri address) => new(new SocketsHttpHandler { MaxConnectionsPerServer = 1000, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
{
    BaseAddress = address,
    Timeout = TimeSpan.FromMinutes(2),
};

static string Root()
{
    var root = new DirectoryInfo(AppContext.BaseDirectory);
    while (root is not null && !File.Exists(Path.Combine(root.FullName, "Voice.sln")))
    {
        root = root.Parent;
    }
    return root?.FullName ?? ".";
}

static string Git(string arguments)
{
    try
    {
        using var git = Process.Start(new ProcessStartInfo("git", arguments) { RedirectStandardOutput = true, WorkingDirectory = Root() })!;
        string output = git.StandardOutput.ReadToEnd().Trim();
        git.WaitForExit();
        return output;
    }
    catch (System.ComponentModel.Win32Exception)
    {
        return "unknown";
    }
}

/// <summary>The whole platform from its AppHost, on free ports and a fresh state folder, with an unlimited plan for the load's tenants.</summary>
sealed class Platform : IAsyncDisposable
{
    private readonly DistributedApplication _app;
    private readonly string _state;
    private readonly string _adminToken;

    private Platform(DistributedApplication app, string state, string adminToken, HttpClient api) => (_app, _state, _adminToken, Api) = (app, state, adminToken, api);

    public HttpClient Api { get; }

    /// <summary>
    /// A telemetry sink (OTLP/HTTP: accepts and drops), as a deployment has a collector: without one, the services'
    /// exporters fail and retry against the absent dashboard, and that cost would be charged to the platform.
    /// </summary>
    private static readonly Lazy<Task<string>> Collector = new(async () =>
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var sink = builder.Build();
        sink.MapPost("/v1/{signal}", async (HttpContext context) =>
        {
            await context.Request.Body.CopyToAsync(Stream.Null);
            context.Response.ContentType = "application/x-protobuf";
        });
        await sink.StartAsync();
        return sink.Urls.First();
    });

    public static async Task<Platform> StartAsync(string engine)
    {
        static string Secret() => RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 48);
        string collector = await Collector.Value;
        string adminToken = Secret();
        string state = Path.Combine("/var/tmp/voice", "load-" + Guid.NewGuid().ToString("N")[..12]);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Voice_AppHost>(
        [
            "VOICE_LOCAL_INFRA=true", $"VOICE_STATE_DIR={state}", "VOICE_API_PORT=0", "VOICE_WEB_PORT=0", $"VOICE_SPEECH_ENGINE={engine}",
            $"VOICE_ADMIN_TOKEN={adminToken}", $"Parameters:master-key={Secret()}", $"Parameters:redis-password={Secret()}",
            $"Parameters:postgres-password={Secret()}", $"Parameters:voicedb-app-password={Secret()}", $"Parameters:voicedb-admin-password={Secret()}",
            "Logging:LogLevel:Default=Warning", "Worker:Concurrency=2", $"Telemetry:OtlpEndpoint={collector}",
        ]);
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Error));
        var app = await builder.BuildAsync();
        await app.StartAsync();
        foreach (var service in new[] { "api", "worker" })
        {
            await app.ResourceNotifications.WaitForResourceHealthyAsync(service);
        }
        var api = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1000, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = app.GetEndpoint("api", "http"),
            Timeout = TimeSpan.FromMinutes(2),
        };
        return new Platform(app, state, adminToken, api);
    }

    /// <summary>
    /// Pauses the worker's process (SIGSTOP): it takes no CPU and no jobs, and the API does not notice — the jobs only
    /// queue. (Aspire's stop command does not stop a project started by the testing builder.)
    /// </summary>
    public async Task StopWorkerAsync()
    {
        var workers = Process.GetProcessesByName("Voice.Worker");
        if (workers.Length != 1)
        {
            throw new InvalidOperationException($"Expected one Voice.Worker process, found {workers.Length}.");
        }
        using var stop = Process.Start("kill", ["-STOP", workers[0].Id.ToString(CultureInfo.InvariantCulture)]);
        await stop.WaitForExitAsync();
    }

    /// <summary>Tenants on an unlimited plan (so the load meets the platform, not its quotas), one all-scope key each.</summary>
    public async Task<List<string>> TenantsAsync(int count)
    {
        using var admin = new HttpClient { BaseAddress = Api.BaseAddress };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _adminToken);
        (await admin.PostAsJsonAsync("/admin/v1/plans", new
        {
            id = "load", name = "Load", queue_weight = 1, max_voices = 1000, max_text_chars = 20_000, rate_per_second = 100_000, rate_burst = 100_000,
            key_rate_per_second = 100_000, key_rate_burst = 100_000, unlimited_characters = true, unlimited_audio = true, max_concurrent_jobs = 1_000_000,
            max_upload_bytes = 10 * 1024 * 1024, retention_days = 1,
        })).EnsureSuccessStatusCode();
        var keys = new List<string>();
        for (int i = 0; i < count; i++)
        {
            var tenant = await (await admin.PostAsJsonAsync("/admin/v1/tenants", new { slug = $"load-{i}", name = $"Load {i}", plan = "load" })).Content.ReadFromJsonAsync<JsonElement>();
            var key = await (await admin.PostAsJsonAsync($"/admin/v1/tenants/{tenant.GetProperty("id").GetString()}/keys", new { name = "load" })).Content.ReadFromJsonAsync<JsonElement>();
            keys.Add(key.GetProperty("key").GetString()!);
        }
        return keys;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in Process.GetProcessesByName("Voice.Worker"))
        {
            using var resume = Process.Start("kill", ["-CONT", worker.Id.ToString(CultureInfo.InvariantCulture)]);
            await resume.WaitForExitAsync();
        }
        Api.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(_state, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
