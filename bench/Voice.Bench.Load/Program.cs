using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using HdrHistogram;
using Aspire.Hosting.Testing;
using Voice.Speech.Engines;
using Voice.Speech.Espeak;

// The load harness (issue: "1,000 concurrent requests, < 2 s average", measured). Each scenario starts the real
// AppHost (local Postgres, Redis, Azurite, API, worker) and drives it open-loop from this process over loopback:
//   submit      POST /api/v1/voice/generate across 50 tenants at rising arrival rates (up to 1,000 connections):
//               202 throughput and latency, against a trivial ASP.NET endpoint in this process as the framework's ceiling.
//   end-to-end  short texts (100 characters) at rising rates with the embedded engine: submit → completed (followed
//               over the task's SSE events), against the engine alone speaking the same text.
//   mixed       clients as they are: submit, then follow by SSE, by polling every 250 ms or every second, then
//               download the audio; rising rates, then a soak at one rate with the API's and worker's resident memory
//               sampled (flat or growing?), then the worker's peak memory per job against the audio's length.
//   job-memory  only that last part.
//   noisy-neighbour  a pro-plan victim at 5 submissions/s (followed over SSE, webhooks received here) alone, then while
//               an attacker tenant runs every hostile-tenant attack at once (NoisyNeighbour.cs): its p99, successes and
//               webhooks against the quiet run, the attacker's answers, the services' peak memory growth.
// Usage: dotnet run -c Release --project bench/Voice.Bench.Load [-- submit|end-to-end|mixed|job-memory|all [seconds per step [soak seconds]]]
//        ... -- noisy-neighbour [seconds per phase [attacks: poison,amplify,bomb,stall,streams,login (all)]]
//        ... -- profile [AppHost setting=value ...]   (where a submission's CPU goes: per process, per Postgres statement)
//        ... -- closed-loop [seconds [rounds [connections [Debug,Release]]]]   (wrk-style, against the seed's design: ClosedLoop.cs)
string scenario = args.Length > 0 ? args[0] : "all";
// profile takes AppHost settings instead (key=value), to measure what one costs: profile Telemetry:TraceSampleRatio=0
string[] settings = scenario is "profile" ? args[1..] : [];
var seconds = TimeSpan.FromSeconds(args.Length > 1 && settings.Length == 0 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10);
var report = new StringBuilder();
string commit = Git("rev-parse --short HEAD");
report.AppendLine(CultureInfo.InvariantCulture, $"Commit {commit}, {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd}, {seconds.TotalSeconds:0} s a step, open loop (latency from each request's due time).");

if (scenario is "serve")
{
    await ClosedLoop.ServeAsync();
    return;
}
if (scenario is "closed-loop")
{
    await ClosedLoop.CompareAsync(report, Root(), args[1..]);
}
if (scenario is "submit" or "all")
{
    await SubmitAsync();
}
if (scenario is "profile")
{
    await ProfileAsync();
}
if (scenario is "end-to-end" or "all")
{
    await EndToEndAsync();
}
if (scenario is "job-cpu")
{
    await JobCpu.RunAsync(report, TimeSpan.FromSeconds(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20));
}
if (scenario is "job-memory")
{
    await using var platform = await Platform.StartAsync("espeak");
    await JobMemoryAsync(platform, await platform.TenantsAsync(1));
}
if (scenario is "noisy-neighbour")
{
    await NoisyNeighbour.RunAsync(report, seconds, args.Length > 2 ? args[2].Split(',') : NoisyNeighbour.AllAttacks);
}
if (scenario is "mixed" or "all")
{
    await MixedAsync(TimeSpan.FromSeconds(args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 600));
}
Console.WriteLine(report);
string results = Path.Combine(Root(), "bench", "results");
Directory.CreateDirectory(results);
await File.WriteAllTextAsync(Path.Combine(results, $"load-{DateTime.UtcNow:yyyyMMdd-HHmmss}.md"), report.ToString());

async Task SubmitAsync()
{
    // The ceiling: a minimal POST endpoint that reads the same JSON and answers 202, in this process.
    var peer = await Loopback.StartAsync(app => app.MapPost("/submit", async (HttpContext context) =>
    {
        var body = await JsonSerializer.DeserializeAsync<JsonElement>(context.Request.Body);
        return Results.Accepted(null, new Dictionary<string, string> { ["task_id"] = Guid.NewGuid().ToString(), ["status"] = body.GetProperty("text").GetString() is null ? "" : "queued" });
    }));
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
    Task<int> SubmitOne(int i) => platform.SubmitAsync(keys[i % keys.Count], text);
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

async Task ProfileAsync()
{
    // Where a submission's CPU goes: the worker paused, 300 submissions a second; CPU seconds per process from /proc
    // over 30 s of the load, and Postgres's own account of its statements (pg_stat_statements, planning included).
    // Long enough, too, for a profiler attached to the API (dotnet-trace) to see the steady state.
    await using var platform = await Platform.StartAsync("null",
        ["VOICE_PG_OPTIONS=-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all -c pg_stat_statements.track_planning=on", .. settings]);
    var keys = await platform.TenantsAsync(50);
    await platform.StopWorkerAsync();
    string body = new string('a', 60) + " submit load test sentence.";
    Task<int> SubmitOne(int i) => platform.SubmitAsync(keys[i % keys.Count], body);
    const double rate = 300;
    var window = TimeSpan.FromSeconds(30);
    // Warm: pools, caches and the JIT, whose tiering of a service this size is still busy after 10 s of load (a
    // third of the API's CPU then went to compiling); after a minute it has settled.
    await OpenLoop.RunAsync(rate, TimeSpan.FromSeconds(60), SubmitOne);
    await using var postgres = new Npgsql.NpgsqlConnection(await platform.ConnectionStringAsync("postgres") + ";Database=voicedb");
    await postgres.OpenAsync();
    await using (var reset = new Npgsql.NpgsqlCommand("create extension if not exists pg_stat_statements; select pg_stat_statements_reset()", postgres))
    {
        await reset.ExecuteNonQueryAsync();
    }
    Console.Error.WriteLine("profile: load starts");
    var cpu = ProcessCpu.Snapshot();
    var step = await OpenLoop.RunAsync(rate, window, SubmitOne);
    var used = ProcessCpu.Snapshot().Minus(cpu);
    Console.Error.WriteLine(FormattableString.Invariant($"profile: p50 {step.P50Us / 1000.0:N1} ms, p99 {step.P99Ms:N1} ms"));

    double accepted = step.AchievedRate * window.TotalSeconds;
    report.AppendLine().AppendLine(CultureInfo.InvariantCulture,
        $"### profile: {rate:N0} submissions/s for {window.TotalSeconds:N0} s, worker paused{(settings.Length > 0 ? ", " + string.Join(' ', settings) : "")} ({accepted:N0} accepted; p50 {step.P50Us / 1000.0:N1} ms, p99 {step.P99Ms:N1} ms)").AppendLine();
    report.AppendLine("| process | CPU s | of the cores | ms per submission |").AppendLine("|---|---:|---:|---:|");
    foreach (var (name, seconds) in used.Where(u => u.Value >= 0.2).OrderByDescending(u => u.Value))
    {
        report.AppendLine(CultureInfo.InvariantCulture,
            $"| {name} | {seconds:N1} | {seconds / (Environment.ProcessorCount * window.TotalSeconds):P0} | {seconds * 1000 / accepted:N2} |");
    }
    report.AppendLine().AppendLine("Postgres statements (pg_stat_statements, the load's window; planning + execution):").AppendLine();
    report.AppendLine("| statement | calls | per submission | plan ms/call | exec ms/call | total ms per submission |").AppendLine("|---|---:|---:|---:|---:|---:|");
    await using var statements = new Npgsql.NpgsqlCommand("""
        select regexp_replace(left(query, 90), '\s+', ' ', 'g'), calls, total_plan_time, total_exec_time
        from pg_stat_statements where calls > 0 order by total_plan_time + total_exec_time desc limit 15
        """, postgres);
    await using var reader = await statements.ExecuteReaderAsync();
    while (await reader.ReadAsync())
    {
        long calls = reader.GetInt64(1);
        double plan = reader.GetDouble(2), exec = reader.GetDouble(3);
        report.AppendLine(CultureInfo.InvariantCulture,
            $"| `{reader.GetString(0).Replace("|", "\\|", StringComparison.Ordinal)}` | {calls:N0} | {calls / accepted:N2} | {plan / calls:N3} | {exec / calls:N3} | {(plan + exec) / accepted:N3} |");
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
    Task<int> SpeakOne(int i) => JobCpu.SpeakAsync(platform, keys[i % keys.Count], text);
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

async Task MixedAsync(TimeSpan soak)
{
    string text = "The quarterly report is ready. Sales grew in every region, and the new product line sold out twice.";
    await using var platform = await Platform.StartAsync("espeak");
    var keys = await platform.TenantsAsync(20);
    var operations = new OperationTimes();

    // One client's whole interaction; its latency (in the step's table) runs from its due time to the last audio byte.
    async Task<int> ClientAsync(int i)
    {
        string key = keys[i % keys.Count];
        HttpRequestMessage Request(HttpMethod method, string path, object? body = null)
        {
            var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            return request;
        }
        string id;
        using (var submitted = await operations.TimeAsync("submit", () => platform.Api.SendAsync(Request(HttpMethod.Post, "/api/v1/voice/generate", new { text, format = i % 2 == 0 ? "mp3" : "wav" }))))
        {
            if (submitted.StatusCode != HttpStatusCode.Accepted)
            {
                return (int)submitted.StatusCode;
            }
            id = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetString()!;
        }
        string status = "";
        if (i % 3 == 0)
        {
            using var events = await platform.Api.SendAsync(Request(HttpMethod.Get, $"/api/v1/task/{id}/events"), HttpCompletionOption.ResponseHeadersRead);
            using var reader = new StreamReader(await events.Content.ReadAsStreamAsync());
            while (await reader.ReadLineAsync() is { } line && status == "")
            {
                status = line switch
                {
                    "event: task.completed" => "completed",
                    "event: task.failed" or "event: task.canceled" => "failed",
                    _ => "",
                };
            }
        }
        else
        {
            var every = TimeSpan.FromMilliseconds(i % 3 == 1 ? 250 : 1000);
            while (status is "" or "queued" or "running")
            {
                await Task.Delay(every);
                using var poll = await operations.TimeAsync("poll", () => platform.Api.SendAsync(Request(HttpMethod.Get, $"/api/v1/task/{id}")));
                if (poll.StatusCode != HttpStatusCode.OK)
                {
                    return (int)poll.StatusCode;
                }
                status = (await poll.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString()!;
            }
        }
        if (status != "completed")
        {
            return 500;
        }
        long started = Stopwatch.GetTimestamp();
        using var audio = await platform.Api.SendAsync(Request(HttpMethod.Get, $"/api/v1/task/{id}/audio"), HttpCompletionOption.ResponseHeadersRead);
        long bytes = 0;
        var buffer = new byte[16 * 1024];
        await using (var body = await audio.Content.ReadAsStreamAsync())
        {
            for (int read; (read = await body.ReadAsync(buffer)) > 0;)
            {
                bytes += read;
            }
        }
        operations.Record("download", started);
        return audio.StatusCode == HttpStatusCode.OK && bytes > 1024 ? 200 : -2;
    }

    var steps = await RampAsync(ClientAsync, [4, 8, 12, 16], stopAtP99Ms: 5_000);
    report.AppendLine().AppendLine(CultureInfo.InvariantCulture,
        $"### mixed: submit ({text.Length} characters, mp3 or wav), then SSE (⅓), polling every 250 ms (⅓) or every second (⅓), then download; 20 tenants").AppendLine();
    report.AppendLine("Latency: from the client's due time to the last byte of its audio.").AppendLine();
    Table(steps, "Voice");
    report.AppendLine().AppendLine("The requests inside those interactions:").AppendLine();
    operations.Table(report);
    await DownloadPeerAsync(platform, keys[0], text);

    // Soak: one steady rate below saturation, resident memory of the API and the worker sampled every 5 s.
    double rate = Math.Max(4, (Sustained5s(steps)?.TargetRate ?? 8) / 2);
    var memory = new MemorySampler(["Voice.ApiService", "Voice.Worker"], TimeSpan.FromSeconds(5));
    var soakStep = await OpenLoop.RunAsync(rate, soak, ClientAsync);
    memory.Stop();
    report.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"Soak: {rate:N0} clients/s for {soak.TotalMinutes:N0} minutes:").AppendLine();
    Table([soakStep], "Voice");
    report.AppendLine().AppendLine("Resident memory (VmRSS) during the soak:").AppendLine();
    memory.Table(report);

    await JobMemoryAsync(platform, keys);
}

// The download's peer: one finished task's audio fetched again and again (authenticated, read from blob storage,
// decrypted, streamed) against a trivial endpoint in this process answering the same bytes from memory, same rate.
async Task DownloadPeerAsync(Platform platform, string key, string text)
{
    using var client = new HttpClient { BaseAddress = platform.Api.BaseAddress };
    client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
    using var submitted = await client.PostAsJsonAsync("/api/v1/voice/generate", new { text, format = "mp3" });
    string id = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetString()!;
    while ((await client.GetFromJsonAsync<JsonElement>($"/api/v1/task/{id}")).GetProperty("status").GetString() is "queued" or "running")
    {
        await Task.Delay(100);
    }
    byte[] audio = await client.GetByteArrayAsync($"/api/v1/task/{id}/audio");

    var peer = await Loopback.StartAsync(app => app.MapGet("/audio", () => Results.Bytes(audio, "audio/mpeg")));
    using var peerClient = Client(new Uri(peer.Urls.First()));
    async Task<int> Fetch(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        await (await response.Content.ReadAsStreamAsync()).CopyToAsync(Stream.Null);
        return (int)response.StatusCode;
    }
    const double rate = 50;
    var ours = await OpenLoop.RunAsync(rate, seconds, _ => Fetch(client, $"/api/v1/task/{id}/audio"));
    var theirs = await OpenLoop.RunAsync(rate, seconds, _ => Fetch(peerClient, "/audio"));
    await peer.StopAsync();
    report.AppendLine().AppendLine(CultureInfo.InvariantCulture,
        $"Download peer: the same {audio.Length:N0}-byte MP3 at {rate:N0}/s — ours (authenticated, from blob storage, decrypted) p50 {ours.P50Us / 1000.0:N1} ms, " +
        $"p99 {ours.P99Ms:N1} ms; a trivial endpoint answering it from memory p50 {theirs.P50Us / 1000.0:N1} ms, p99 {theirs.P99Ms:N1} ms " +
        $"(**{ours.P50Us / (double)Math.Max(1, theirs.P50Us):N1}× at p50**).");
}

// The worker's peak memory for one job against the length of its audio (one job at a time, nothing else running).
async Task JobMemoryAsync(Platform platform, List<string> keys)
{
    report.AppendLine().AppendLine("The worker's peak resident memory during one job, over its level before the job (jobs one at a time):").AppendLine();
    report.AppendLine("| characters | audio s | format | job s | worker peak over baseline MB |").AppendLine("|---:|---:|---|---:|---:|");
    string sentence = "Every morning the old fisherman walked down to the harbour and checked his nets. ";
    foreach (int characters in new[] { 1_000, 4_000, 16_000 })
    {
        string longText = string.Concat(Enumerable.Repeat(sentence, characters / sentence.Length + 1))[..characters];
        await Task.Delay(2000);
        var peak = new MemorySampler(["Voice.Worker"], TimeSpan.FromMilliseconds(20));
        long started = Stopwatch.GetTimestamp();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/voice/generate") { Content = JsonContent.Create(new { text = longText, format = "mp3" }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", keys[0]);
        using var submitted = await platform.Api.SendAsync(request);
        string id = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetString()!;
        JsonElement task;
        do
        {
            await Task.Delay(100);
            using var poll = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/task/{id}");
            poll.Headers.Authorization = request.Headers.Authorization;
            task = await (await platform.Api.SendAsync(poll)).Content.ReadFromJsonAsync<JsonElement>();
        }
        while (task.GetProperty("status").GetString() is "queued" or "running");
        double jobSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        peak.Stop();
        var (first, max) = peak.FirstAndPeak("Voice.Worker");
        double audioSeconds = task.TryGetProperty("result", out var result) && result.ValueKind == JsonValueKind.Object
            ? result.GetProperty("duration_seconds").GetDouble() : 0;
        report.AppendLine(CultureInfo.InvariantCulture, $"| {characters:N0} | {audioSeconds:N0} | mp3 | {jobSeconds:N1} | {(max - first) / 1048576.0:N1} |");
    }
}

static OpenLoop.Step? Sustained5s(IEnumerable<OpenLoop.Step> steps) =>
    steps.Where(s => s.P99Ms < 5_000 && s.Errors == 0 && s.AchievedRate >= s.TargetRate * 0.95).MaxBy(s => s.AchievedRate);

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

    /// <summary>POST /api/v1/voice/generate with <paramref name="text"/> as the tenant of <paramref name="key"/>; the status code.</summary>
    public async Task<int> SubmitAsync(string key, string text)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/voice/generate") { Content = JsonContent.Create(new { text }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await Api.SendAsync(request);
        return (int)response.StatusCode;
    }

    /// <summary>A resource's connection string (the Postgres server's is its superuser's).</summary>
    public async Task<string> ConnectionStringAsync(string resource) =>
        await _app.GetConnectionStringAsync(resource) ?? throw new InvalidOperationException($"{resource} has no connection string.");

    /// <summary>
    /// A telemetry sink (OTLP/HTTP: accepts and drops), as a deployment has a collector: without one, the services'
    /// exporters fail and retry against the absent dashboard, and that cost would be charged to the platform.
    /// </summary>
    private static readonly Lazy<Task<string>> Collector = new(async () =>
    {
        var sink = await Loopback.StartAsync(app => app.MapPost("/v1/{signal}", async (HttpContext context) =>
        {
            await context.Request.Body.CopyToAsync(Stream.Null);
            context.Response.ContentType = "application/x-protobuf";
        }));
        return sink.Urls.First();
    });

    public static async Task<Platform> StartAsync(string engine, params string[] settings)
    {
        static string Secret() => RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 48);
        string collector = await Collector.Value;
        string adminToken = Secret();
        string state = Path.Combine("/var/tmp/voice", "load-" + Guid.NewGuid().ToString("N")[..12]);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Voice_AppHost>(
        [
            "VOICE_LOCAL_INFRA=true", $"VOICE_STATE_DIR={state}", "VOICE_API_PORT=0", "VOICE_ADMIN_PORT=0", "VOICE_WEB_PORT=0", $"VOICE_SPEECH_ENGINE={engine}",
            $"VOICE_ADMIN_TOKEN={adminToken}", $"Parameters:master-key={Secret()}", $"Parameters:redis-password={Secret()}",
            $"Parameters:postgres-password={Secret()}", $"Parameters:voicedb-app-password={Secret()}", $"Parameters:voicedb-admin-password={Secret()}",
            "Logging:LogLevel:Default=Warning", "Worker:Concurrency=2", $"Telemetry:OtlpEndpoint={collector}",
            .. settings,
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

    /// <summary>
    /// The process id of each resource that runs as a local process (project or executable), by resource name: this
    /// platform's own, where a name would also find other AppHosts' services on a shared machine.
    /// </summary>
    public async Task<Dictionary<string, int>> ProcessIdsAsync()
    {
        var pids = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var resource in _app.Services.GetRequiredService<DistributedApplicationModel>().Resources.Where(r => r is ProjectResource or ExecutableResource))
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                var state = await _app.ResourceNotifications.WaitForResourceAsync(resource.Name,
                    e => e.Snapshot.Properties.Any(p => p.Name == "executable.pid" && p.Value is not null), timeout.Token);
                pids[resource.Name] = Convert.ToInt32(state.Snapshot.Properties.First(p => p.Name == "executable.pid").Value, CultureInfo.InvariantCulture);
            }
            catch (OperationCanceledException)
            {
            }
        }
        return pids;
    }

    /// <summary>A copy of plan <paramref name="template"/> named <paramref name="id"/>, with <paramref name="changes"/> (admin API field names).</summary>
    public async Task<string> PlanFromAsync(string template, string id, Dictionary<string, object?> changes)
    {
        using var admin = AdminClient();
        var body = (await admin.GetFromJsonAsync<Dictionary<string, JsonElement>>($"/admin/v1/plans/{template}"))!.ToDictionary(kv => kv.Key, kv => (object?)kv.Value);
        body["id"] = id;
        body["name"] = id;
        foreach (var (field, value) in changes)
        {
            if (value is null)
            {
                body.Remove(field);
            }
            else
            {
                body[field] = value;
            }
        }
        using var created = await admin.PostAsJsonAsync("/admin/v1/plans", body);
        if (!created.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"plan {id}: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
        }
        return id;
    }

    /// <summary>A tenant on <paramref name="plan"/> with one all-scope key; the key.</summary>
    public async Task<string> TenantAsync(string slug, string plan)
    {
        using var admin = AdminClient();
        using var created = await admin.PostAsJsonAsync("/admin/v1/tenants", new { slug, name = slug, plan });
        var tenant = await created.Content.ReadFromJsonAsync<JsonElement>();
        using var issued = await admin.PostAsJsonAsync($"/admin/v1/tenants/{tenant.GetProperty("id").GetString()}/keys", new { name = slug });
        return (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }

    /// <summary>
    /// A client of the API as one tenant's key (none: anonymous) from its own address: X-Forwarded-For through the
    /// trusted local proxy, so per-address throttling sees one client, not the whole harness.
    /// </summary>
    public HttpClient TenantClient(string? key, string address)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1000, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = Api.BaseAddress,
            Timeout = TimeSpan.FromMinutes(2),
        };
        client.DefaultRequestHeaders.Add("X-Forwarded-For", address);
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        return client;
    }

    private HttpClient AdminClient()
    {
        var admin = new HttpClient { BaseAddress = _app.GetEndpoint("api", "admin") }; // the admin API answers on its own listener only
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _adminToken);
        return admin;
    }

    /// <summary>Tenants on an unlimited plan (so the load meets the platform, not its quotas), one all-scope key each.</summary>
    public async Task<List<string>> TenantsAsync(int count)
    {
        using var admin = AdminClient();
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

/// <summary>Latency of the individual requests inside the mixed scenario's interactions, by kind.</summary>
sealed class OperationTimes
{
    private readonly Dictionary<string, LongHistogram> _histograms = new(StringComparer.Ordinal);

    public async Task<HttpResponseMessage> TimeAsync(string operation, Func<Task<HttpResponseMessage>> send)
    {
        long started = Stopwatch.GetTimestamp();
        var response = await send();
        Record(operation, started);
        return response;
    }

    public void Record(string operation, long started)
    {
        long micros = Math.Max(1, (long)Stopwatch.GetElapsedTime(started).TotalMicroseconds);
        lock (_histograms)
        {
            if (!_histograms.TryGetValue(operation, out var histogram))
            {
                _histograms[operation] = histogram = new LongHistogram(TimeSpan.FromMinutes(10).Ticks / 10, 3);
            }
            histogram.RecordValue(micros);
        }
    }

    public void Table(StringBuilder report)
    {
        report.AppendLine("| request | count | p50 ms | p99 ms | max ms |").AppendLine("|---|---:|---:|---:|---:|");
        foreach (var (name, h) in _histograms.OrderBy(h => h.Key, StringComparer.Ordinal))
        {
            report.AppendLine(CultureInfo.InvariantCulture,
                $"| {name} | {h.TotalCount:N0} | {h.GetValueAtPercentile(50) / 1000.0:N1} | {h.GetValueAtPercentile(99) / 1000.0:N1} | {h.GetMaxValue() / 1000.0:N1} |");
        }
    }
}

/// <summary>Samples processes' resident memory (VmRSS from /proc) on a timer, by process name.</summary>
sealed class MemorySampler
{
    private readonly Dictionary<string, List<(double Seconds, long Bytes)>> _samples;
    private readonly Timer _timer;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private readonly IReadOnlyDictionary<string, int>? _pids;

    public MemorySampler(string[] processes, TimeSpan every)
    {
        _samples = processes.ToDictionary(p => p, _ => new List<(double, long)>());
        Sample();
        _timer = new Timer(_ => Sample(), null, every, every);
    }

    /// <summary>Known processes (label → process id), where another AppHost's services may share their names.</summary>
    public MemorySampler(IReadOnlyDictionary<string, int> pids, TimeSpan every)
    {
        _pids = pids;
        _samples = pids.Keys.ToDictionary(p => p, _ => new List<(double, long)>());
        Sample();
        _timer = new Timer(_ => Sample(), null, every, every);
    }

    public void Stop()
    {
        _timer.Dispose();
        Sample();
    }

    private void Sample()
    {
        foreach (var (name, samples) in _samples)
        {
            int? pid = _pids is null ? Process.GetProcessesByName(name).FirstOrDefault()?.Id : _pids[name];
            string status = $"/proc/{pid}/status";
            if (pid is null || !File.Exists(status))
            {
                continue;
            }
            string? line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            if (line is not null)
            {
                long kb = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                lock (samples)
                {
                    samples.Add((_clock.Elapsed.TotalSeconds, kb * 1024));
                }
            }
        }
    }

    public (long First, long Peak) FirstAndPeak(string name)
    {
        var samples = _samples[name];
        lock (samples)
        {
            return (samples[0].Bytes, samples.Max(s => s.Bytes));
        }
    }

    /// <summary>Per process: at the first minute's end, the middle and the end; the peak; the slope after the first minute (least squares).</summary>
    public void Table(StringBuilder report)
    {
        report.AppendLine("| process | after 1 min MB | middle MB | end MB | peak MB | slope after 1 min MB/min |").AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var (name, all) in _samples)
        {
            var samples = all.Where(s => s.Seconds >= 60).ToList();
            if (samples.Count < 3)
            {
                continue;
            }
            double meanX = samples.Average(s => s.Seconds), meanY = samples.Average(s => (double)s.Bytes);
            double slope = samples.Sum(s => (s.Seconds - meanX) * (s.Bytes - meanY)) / samples.Sum(s => (s.Seconds - meanX) * (s.Seconds - meanX));
            static double Mb(double bytes) => bytes / 1048576.0;
            report.AppendLine(CultureInfo.InvariantCulture,
                $"| {name} | {Mb(samples[0].Bytes):N0} | {Mb(samples[samples.Count / 2].Bytes):N0} | {Mb(samples[^1].Bytes):N0} | {Mb(all.Max(s => s.Bytes)):N0} | {Mb(slope * 60):N2} |");
        }
    }
}

/// <summary>CPU seconds (user + system) per process name, from /proc; processes that end in between are not counted.</summary>
sealed class ProcessCpu(Dictionary<string, double> seconds)
{
    public static ProcessCpu Snapshot()
    {
        double hz = 100; // USER_HZ: 100 on Linux on every architecture .NET runs on
        var totals = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var dir in Directory.EnumerateDirectories("/proc").Where(d => Path.GetFileName(d).All(char.IsAsciiDigit)))
        {
            try
            {
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                int open = stat.IndexOf('('), close = stat.LastIndexOf(')');
                string name = stat[(open + 1)..close];
                var fields = stat[(close + 2)..].Split(' ');
                // After the name: state is field 3 (index 0 here), utime 14 and stime 15 (indexes 11, 12).
                totals[name] = totals.GetValueOrDefault(name) + (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / hz;
            }
            catch (IOException)
            {
            }
        }
        return new ProcessCpu(totals);
    }

    /// <summary>
    /// CPU seconds of each process tree (label → root process id): the root, its live descendants, and the children
    /// they have reaped (a Postgres server's backends, a script's server) — this platform's processes only.
    /// </summary>
    public static ProcessCpu Trees(IReadOnlyDictionary<string, int> roots)
    {
        var parents = new Dictionary<int, int>();
        var own = new Dictionary<int, double>();
        foreach (var dir in Directory.EnumerateDirectories("/proc").Where(d => Path.GetFileName(d).All(char.IsAsciiDigit)))
        {
            try
            {
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                int pid = int.Parse(Path.GetFileName(dir), CultureInfo.InvariantCulture);
                parents[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
                // utime, stime, cutime, cstime: fields 14–17 (indexes 11–14 after the name).
                own[pid] = Enumerable.Range(11, 4).Sum(i => long.Parse(fields[i], CultureInfo.InvariantCulture)) / 100.0;
            }
            catch (IOException)
            {
            }
        }
        return new ProcessCpu(roots.ToDictionary(r => r.Key, r => own.Where(p => Descends(p.Key, r.Value)).Sum(p => p.Value)));

        bool Descends(int pid, int root)
        {
            for (int hops = 0; pid > 1 && hops < 64; hops++, pid = parents.GetValueOrDefault(pid))
            {
                if (pid == root)
                {
                    return true;
                }
            }
            return false;
        }
    }

    public Dictionary<string, double> Minus(ProcessCpu before) =>
        seconds.ToDictionary(s => s.Key, s => s.Value - before.Seconds.GetValueOrDefault(s.Key));

    public Dictionary<string, double> Seconds => seconds;
}

/// <summary>A minimal ASP.NET Core app on a free loopback port, without logging: the peers and the telemetry sink.</summary>
static class Loopback
{
    public static async Task<WebApplication> StartAsync(Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        return app;
    }
}
