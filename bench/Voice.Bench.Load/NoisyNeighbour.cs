using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using HdrHistogram;

/// <summary>
/// The noisy-neighbour test (issue "Hostile tenants"): a victim tenant on the pro plan submits short texts open-loop
/// and follows each to completion over SSE, with a webhook endpoint in this process; first alone (quiet), then while
/// an attacker tenant runs every attack at once (noisy). The issue's bar: the victim's p99 within 2× of the quiet run,
/// all its submissions succeed, all its webhooks arrive, and no service grows by 300 MB or more.
/// </summary>
static class NoisyNeighbour
{
    public static readonly string[] AllAttacks = ["poison", "amplify", "bomb", "stall", "streams", "login"];

    private const double VictimRate = 5;
    private const string VictimAddress = "198.51.100.7";
    private const string AttackerAddress = "203.0.113.66";
    private static readonly string Paragraph = string.Join(' ', Enumerable.Repeat("amplified", 49)); // 489 characters, as the test's rule

    public static async Task RunAsync(StringBuilder report, TimeSpan phase, string[] attacks)
    {
        byte[] bomb = await BombAsync();
        await using var platform = await Platform.StartAsync("espeak");

        // Every client comes through the trusted local proxy with its own address, as on the internet: the per-address
        // throttling of failed logins is then the attacker's alone.
        using var victim = platform.TenantClient(await platform.TenantAsync("victim", "pro"), VictimAddress);
        var attackerPlan = await platform.PlanFromAsync("free", "attacker", new()
        {
            // Free's concurrency (2 open jobs), text limit (5,000) and upload size, but pro's request rate and no monthly
            // quota: a tenant the rate limiter and the month's quota do not silence within seconds (several free
            // sign-ups, or a paying one), so every other defence is exercised for the whole phase.
            ["rate_per_second"] = 50, ["rate_burst"] = 100, ["key_rate_per_second"] = 50, ["key_rate_burst"] = 100,
            ["monthly_characters"] = null, ["monthly_audio_seconds"] = null, ["unlimited_characters"] = true, ["unlimited_audio"] = true,
        });
        using var attacker = platform.TenantClient(await platform.TenantAsync("attacker", attackerPlan), AttackerAddress);

        await using var hooks = await WebhookReceiver.StartAsync();
        using (var created = await victim.PostAsJsonAsync("/api/v1/webhooks", new { url = hooks.Url, description = "victim" }))
        {
            Check(created, HttpStatusCode.Created, "the victim's webhook");
            hooks.Id = Guid.Parse((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("webhook").GetProperty("id").GetString()!);
        }
        using var stall = StallingReceiver.Start();
        var counts = new AttackCounts();
        using var anonymous = platform.TenantClient(null, AttackerAddress);
        var setup = await Attacks.PrepareAsync(attacker, anonymous, stall.Url, attacks);

        var pids = await platform.ProcessIdsAsync();
        Console.Error.WriteLine("  processes: " + string.Join(", ", pids.Select(p => $"{p.Key}={p.Value} ({File.ReadAllText($"/proc/{p.Value}/comm").Trim()})")));
        var services = new Dictionary<string, int> { ["api"] = ServiceProcess(pids["api"]), ["worker"] = ServiceProcess(pids["worker"]) };
        Console.Error.WriteLine($"  services: api={services["api"]}, worker={services["worker"]}");

        string text = "Your order has shipped and will arrive on Tuesday before noon.";
        await VictimPhase.RunAsync(victim, hooks, text, VictimRate, TimeSpan.FromSeconds(10)); // warm-up: JIT, pools, the engine
        await Task.Delay(TimeSpan.FromSeconds(3));

        var quietMemory = new MemorySampler(services, TimeSpan.FromMilliseconds(200));
        var quietCpu = ProcessCpu.Trees(pids);
        var quietHarness = Process.GetCurrentProcess().TotalProcessorTime;
        var quiet = await VictimPhase.RunAsync(victim, hooks, text, VictimRate, phase);
        var quietUsed = ProcessCpu.Trees(pids).Minus(quietCpu);
        quietUsed["harness (victim, attacker, receivers)"] = (Process.GetCurrentProcess().TotalProcessorTime - quietHarness).TotalSeconds;
        quietMemory.Stop();
        Console.Error.WriteLine(FormattableString.Invariant($"  quiet: e2e p99 {quiet.EndToEnd.P99Ms:N1} ms, webhooks {quiet.WebhooksArrived}/{quiet.WebhooksExpected}"));
        await Task.Delay(TimeSpan.FromSeconds(3));

        var noisyMemory = new MemorySampler(services, TimeSpan.FromMilliseconds(200));
        var noisyCpu = ProcessCpu.Trees(pids);
        var noisyHarness = Process.GetCurrentProcess().TotalProcessorTime;
        using var stop = new CancellationTokenSource();
        var running = Attacks.Start(setup, attacker, anonymous, bomb, counts, attacks, stop.Token);
        await Task.Delay(TimeSpan.FromSeconds(3)); // the attacks at full tilt before the victim's clock starts
        var noisy = await VictimPhase.RunAsync(victim, hooks, text, VictimRate, phase, untilWebhooks: () => stop.Cancel());
        await stop.CancelAsync();
        await running;
        var noisyUsed = ProcessCpu.Trees(pids).Minus(noisyCpu);
        noisyUsed["harness (victim, attacker, receivers)"] = (Process.GetCurrentProcess().TotalProcessorTime - noisyHarness).TotalSeconds;
        noisyMemory.Stop();
        Console.Error.WriteLine(FormattableString.Invariant($"  noisy: e2e p99 {noisy.EndToEnd.P99Ms:N1} ms, webhooks {noisy.WebhooksArrived}/{noisy.WebhooksExpected}"));

        Report(report, phase, attacks, quiet, noisy, counts, quietMemory, noisyMemory, quietUsed, noisyUsed);
    }

    private static void Report(StringBuilder report, TimeSpan phase, string[] attacks, VictimPhase quiet, VictimPhase noisy, AttackCounts counts,
        MemorySampler quietMemory, MemorySampler noisyMemory, Dictionary<string, double> quietCpu, Dictionary<string, double> noisyCpu)
    {
        report.AppendLine().AppendLine(CultureInfo.InvariantCulture,
            $"### noisy-neighbour: a pro-plan victim at {VictimRate:N0} submissions/s for {phase.TotalSeconds:N0} s, quiet then while the attacker runs {string.Join(", ", attacks)}").AppendLine();
        report.AppendLine("| victim | quiet p50 ms | quiet p99 ms | noisy p50 ms | noisy p99 ms | noisy/quiet p99 |").AppendLine("|---|---:|---:|---:|---:|---:|");
        static string Row(string name, long quietP50, long quietP99, long noisyP50, long noisyP99) => FormattableString.Invariant(
            $"| {name} | {quietP50 / 1000.0:N1} | {quietP99 / 1000.0:N1} | {noisyP50 / 1000.0:N1} | {noisyP99 / 1000.0:N1} | {noisyP99 / (double)Math.Max(1, quietP99):N2}× |");
        report.AppendLine(Row("submit (202)", quiet.Submit.GetValueAtPercentile(50), quiet.Submit.GetValueAtPercentile(99), noisy.Submit.GetValueAtPercentile(50), noisy.Submit.GetValueAtPercentile(99)));
        report.AppendLine(Row("end to end (due → task.completed)", quiet.EndToEnd.P50Us, quiet.EndToEnd.P99Us, noisy.EndToEnd.P50Us, noisy.EndToEnd.P99Us));
        report.AppendLine(Row("webhook after task.completed", quiet.WebhookDelay.GetValueAtPercentile(50), quiet.WebhookDelay.GetValueAtPercentile(99),
            noisy.WebhookDelay.GetValueAtPercentile(50), noisy.WebhookDelay.GetValueAtPercentile(99)));
        report.AppendLine().AppendLine("| victim | quiet | noisy |").AppendLine("|---|---:|---:|");
        report.AppendLine(CultureInfo.InvariantCulture, $"| completed / submitted | {quiet.Succeeded:N0} / {quiet.EndToEnd.Requests:N0} | {noisy.Succeeded:N0} / {noisy.EndToEnd.Requests:N0} |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| answers | {Answers(quiet.EndToEnd.Statuses)} | {Answers(noisy.EndToEnd.Statuses)} |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| webhooks arrived / expected | {quiet.WebhooksArrived:N0} / {quiet.WebhooksExpected:N0} | {noisy.WebhooksArrived:N0} / {noisy.WebhooksExpected:N0} |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| deliveries retried or pending (endpoint's log) | {quiet.Retries} | {noisy.Retries} |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| webhook delay max ms | {quiet.WebhookDelay.GetMaxValue() / 1000.0:N1} | {noisy.WebhookDelay.GetMaxValue() / 1000.0:N1} |");

        report.AppendLine().AppendLine("The attacker's requests by answer (the whole noisy phase):").AppendLine();
        counts.Table(report);

        report.AppendLine().AppendLine("Resident memory (VmRSS every 200 ms), peak over the phase's first sample:").AppendLine();
        report.AppendLine("| process | quiet: start MB | quiet: peak growth MB | noisy: start MB | noisy: peak MB | noisy: peak growth MB |").AppendLine("|---|---:|---:|---:|---:|---:|");
        double worstGrowth = 0;
        foreach (string process in new[] { "api", "worker" })
        {
            var (quietFirst, quietPeak) = quietMemory.FirstAndPeak(process);
            var (noisyFirst, noisyPeak) = noisyMemory.FirstAndPeak(process);
            worstGrowth = Math.Max(worstGrowth, (noisyPeak - noisyFirst) / 1048576.0);
            report.AppendLine(CultureInfo.InvariantCulture,
                $"| {process} | {quietFirst / 1048576.0:N0} | {(quietPeak - quietFirst) / 1048576.0:N0} | {noisyFirst / 1048576.0:N0} | {noisyPeak / 1048576.0:N0} | {(noisyPeak - noisyFirst) / 1048576.0:N0} |");
        }

        report.AppendLine().AppendLine("CPU seconds per process tree over each phase (the harness includes the attacker and the receivers; the box has 2 s a second, shared with other work):").AppendLine();
        report.AppendLine("| process | quiet s | noisy s |").AppendLine("|---|---:|---:|");
        foreach (var (name, seconds) in noisyCpu.Where(u => u.Value >= 0.1 || quietCpu.GetValueOrDefault(u.Key) >= 0.1).OrderByDescending(u => u.Value))
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {quietCpu.GetValueOrDefault(name):N1} | {seconds:N1} |");
        }

        double ratio = noisy.EndToEnd.P99Us / (double)Math.Max(1, quiet.EndToEnd.P99Us);
        double submitRatio = noisy.Submit.GetValueAtPercentile(99) / (double)Math.Max(1, quiet.Submit.GetValueAtPercentile(99));
        report.AppendLine();
        Verdict(report, ratio <= 2 && submitRatio <= 2, FormattableString.Invariant($"victim p99 within 2× of quiet: end to end {ratio:N2}×, submit {submitRatio:N2}×"));
        Verdict(report, noisy.Succeeded == noisy.EndToEnd.Requests, FormattableString.Invariant($"every victim submission succeeds: {noisy.Succeeded} of {noisy.EndToEnd.Requests}"));
        Verdict(report, noisy.WebhooksArrived == noisy.WebhooksExpected && noisy.WebhooksExpected > 0,
            FormattableString.Invariant($"every victim webhook arrives: {noisy.WebhooksArrived} of {noisy.WebhooksExpected} (p99 {noisy.WebhookDelay.GetValueAtPercentile(99) / 1000.0:N0} ms after completion)"));
        Verdict(report, worstGrowth < 300, FormattableString.Invariant($"no service grows by 300 MB: peak growth {worstGrowth:N0} MB"));
    }

    /// <summary>The .NET service under a project resource's process (a <c>dotnet</c> launcher may sit between).</summary>
    private static int ServiceProcess(int root)
    {
        var queue = new Queue<int>([root]);
        while (queue.TryDequeue(out int pid))
        {
            if (File.ReadAllText($"/proc/{pid}/comm").StartsWith("Voice.", StringComparison.Ordinal))
            {
                return pid;
            }
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                string children = Path.Combine(task, "children");
                foreach (string child in File.Exists(children) ? File.ReadAllText(children).Split(' ', StringSplitOptions.RemoveEmptyEntries) : [])
                {
                    queue.Enqueue(int.Parse(child, CultureInfo.InvariantCulture));
                }
            }
        }
        return root;
    }

    private static void Verdict(StringBuilder report, bool pass, string what)
    {
        string line = $"{(pass ? "PASS" : "FAIL")}: {what}";
        report.AppendLine(line).AppendLine();
        Console.Error.WriteLine("  " + line);
    }

    internal static string Answers(IReadOnlyDictionary<int, int> statuses) =>
        string.Join(", ", statuses.OrderBy(kv => kv.Key).Select(kv => $"{(kv.Key < 0 ? "error" : kv.Key.ToString(CultureInfo.InvariantCulture))}×{kv.Value:N0}"));

    internal static void Check(HttpResponseMessage response, HttpStatusCode expected, string what)
    {
        if (response.StatusCode != expected)
        {
            throw new InvalidOperationException($"{what}: {(int)response.StatusCode} {response.Content.ReadAsStringAsync().Result}");
        }
    }

    /// <summary>59 s of a constant 192 kHz, 8-channel signal as FLAC (≈ 31 KB, 90 million samples), made as the test makes it.</summary>
    private static async Task<byte[]> BombAsync()
    {
        string path = Path.Combine(Path.GetTempPath(), $"voice-bomb-{Guid.NewGuid():N}.flac");
        try
        {
            using var ffmpeg = Process.Start("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i",
                $"aevalsrc={string.Join('|', Enumerable.Repeat("0.25", 8))}:s=192000:d=59", "-c:a", "flac", "-sample_fmt", "s16", path]);
            await ffmpeg.WaitForExitAsync();
            return await File.ReadAllBytesAsync(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

/// <summary>One phase of the victim's load: open-loop submissions, each followed over SSE to its end; its webhooks awaited.</summary>
sealed class VictimPhase
{
    public required OpenLoop.Step EndToEnd { get; init; }
    public required LongHistogram Submit { get; init; }
    public required LongHistogram WebhookDelay { get; init; }
    public int Succeeded { get; init; }
    public int WebhooksExpected { get; init; }
    public int WebhooksArrived { get; init; }
    public required string Retries { get; init; }

    public static async Task<VictimPhase> RunAsync(HttpClient victim, WebhookReceiver hooks, string text, double rate, TimeSpan duration, Action? untilWebhooks = null)
    {
        var submit = new LongHistogram(TimeSpan.FromMinutes(10).Ticks / 10, 3);
        var completed = new ConcurrentDictionary<Guid, long>();
        int number = 0;
        async Task<int> SpeakOne(int i)
        {
            long started = Stopwatch.GetTimestamp();
            using var submitted = await victim.PostAsJsonAsync("/api/v1/voice/generate", new { text = $"{text} Reference {Interlocked.Increment(ref number)}." });
            lock (submit)
            {
                submit.RecordValue(Math.Max(1, (long)Stopwatch.GetElapsedTime(started).TotalMicroseconds));
            }
            if (submitted.StatusCode != HttpStatusCode.Accepted)
            {
                return (int)submitted.StatusCode;
            }
            var id = Guid.Parse((await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetString()!);
            using var stream = await victim.GetAsync($"/api/v1/task/{id}/events", HttpCompletionOption.ResponseHeadersRead);
            using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync());
            while (await reader.ReadLineAsync() is { } line)
            {
                if (line.StartsWith("event: task.completed", StringComparison.Ordinal))
                {
                    completed[id] = Stopwatch.GetTimestamp();
                    return 200;
                }
                if (line.StartsWith("event: task.failed", StringComparison.Ordinal) || line.StartsWith("event: task.canceled", StringComparison.Ordinal))
                {
                    return 500;
                }
            }
            return -1;
        }
        var step = await OpenLoop.RunAsync(rate, duration, SpeakOne);
        untilWebhooks?.Invoke(); // the attacks stop here: what is left is waiting, not load

        // Deliveries that failed are retried after 10 s (±50 %) and then doubling: 60 s covers a first retry and more.
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 60;
        while (completed.Keys.Any(id => !hooks.Arrivals.ContainsKey(id)) && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(200);
        }
        var delay = new LongHistogram(TimeSpan.FromMinutes(10).Ticks / 10, 3);
        int arrived = 0;
        foreach (var (id, at) in completed)
        {
            if (hooks.Arrivals.TryGetValue(id, out long arrival))
            {
                arrived++;
                delay.RecordValue(Math.Max(1, (long)((arrival - at) * 1_000_000.0 / Stopwatch.Frequency))); // earlier than SSE: 0
            }
        }
        // The endpoint's own log: how many deliveries needed more than one attempt, and why.
        var log = await victim.GetFromJsonAsync<JsonElement>($"/api/v1/webhooks/{hooks.Id}/deliveries?limit=500");
        var retried = log.GetProperty("data").EnumerateArray().Where(d => completed.ContainsKey(d.GetProperty("task_id").GetGuid()))
            .Where(d => d.GetProperty("attempts").GetInt32() > 1 || d.GetProperty("status").GetString() != "delivered").ToList();
        string retries = retried.Count == 0 ? "none" : string.Join("; ", retried.GroupBy(d => d.GetProperty("last_error").ToString()).Select(g => $"{g.Count()}× {g.Key}"));
        return new VictimPhase
        {
            Retries = retries,
            EndToEnd = step, Submit = submit, WebhookDelay = delay, Succeeded = step.Statuses.GetValueOrDefault(200),
            WebhooksExpected = completed.Count, WebhooksArrived = arrived,
        };
    }

}

/// <summary>The victim's webhook endpoint: records when each task's delivery first arrived.</summary>
sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WebhookReceiver(WebApplication app) => _app = app;

    public ConcurrentDictionary<Guid, long> Arrivals { get; } = new();

    public string Url => _app.Urls.First() + "/hook";

    /// <summary>The endpoint's id once registered.</summary>
    public Guid Id { get; set; }

    public static async Task<WebhookReceiver> StartAsync()
    {
        WebhookReceiver? receiver = null;
        var app = await Loopback.StartAsync(app => app.MapPost("/hook", async (HttpContext context) =>
        {
            long now = Stopwatch.GetTimestamp();
            var body = await JsonSerializer.DeserializeAsync<JsonElement>(context.Request.Body);
            if (body.TryGetProperty("data", out var data) && data.TryGetProperty("task_id", out var id))
            {
                receiver!.Arrivals.TryAdd(id.GetGuid(), now);
            }
            return Results.Ok();
        }));
        receiver = new WebhookReceiver(app);
        return receiver;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

/// <summary>The attacker's webhook endpoint: answers 500 promising 1,024 bytes of body, sends 7, and then nothing for a minute.</summary>
sealed class StallingReceiver : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/hook";

    public int Accepted => _accepted;

    private int _accepted;

    public static StallingReceiver Start()
    {
        var receiver = new StallingReceiver();
        receiver._listener.Start(512);
        _ = receiver.AcceptAsync();
        return receiver;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            Interlocked.Increment(ref _accepted);
            _ = Task.Run(async () =>
            {
                using (client)
                {
                    try
                    {
                        var stream = client.GetStream();
                        _ = await stream.ReadAsync(new byte[16384], _stop.Token);
                        await stream.WriteAsync("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 1024\r\n\r\npartial"u8.ToArray(), _stop.Token);
                        await Task.Delay(TimeSpan.FromSeconds(60), _stop.Token);
                    }
                    catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException)
                    {
                    }
                }
            });
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }
}

/// <summary>The attacker's requests, counted by attack and answer.</summary>
sealed class AttackCounts
{
    private readonly ConcurrentDictionary<(string Attack, int Status), int> _counts = new();

    public void Add(string attack, int status) => _counts.AddOrUpdate((attack, status), 1, (_, n) => n + 1);

    public void Table(StringBuilder report)
    {
        report.AppendLine("| attack | requests | answers |").AppendLine("|---|---:|---|");
        foreach (var attack in _counts.GroupBy(c => c.Key.Attack).OrderBy(g => Array.IndexOf(NoisyNeighbour.AllAttacks, g.Key)))
        {
            var statuses = attack.ToDictionary(c => c.Key.Status, c => c.Value);
            report.AppendLine(CultureInfo.InvariantCulture, $"| {attack.Key} | {statuses.Values.Sum():N0} | {NoisyNeighbour.Answers(statuses)} |");
        }
    }
}

/// <summary>The six attacks, each a few paced loops (a flood of requests is the edge's problem, not these defences').</summary>
static class Attacks
{
    public sealed record Setup(string Slug, string Email, Guid? StallHook);

    private const string Slug = "attacker-portal";
    private const string Email = "owner@attacker.example";

    public static async Task<Setup> PrepareAsync(HttpClient attacker, HttpClient anonymous, string stallUrl, string[] attacks)
    {
        Guid? stallHook = null;
        if (attacks.Contains("amplify"))
        {
            using var rule = await attacker.PostAsJsonAsync("/api/v1/lexicons", new { term = "zq", replacement = string.Join(' ', Enumerable.Repeat("amplified", 49)) });
            NoisyNeighbour.Check(rule, HttpStatusCode.Created, "the amplifying rule");
        }
        if (attacks.Contains("stall"))
        {
            // Three endpoints on the stalling receiver: every attacker job that ends owes it three deliveries.
            for (int i = 0; i < 3; i++)
            {
                using var hook = await attacker.PostAsJsonAsync("/api/v1/webhooks", new { url = stallUrl, description = $"stall {i}" });
                NoisyNeighbour.Check(hook, HttpStatusCode.Created, "the stalling webhook");
                stallHook = Guid.Parse((await hook.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("webhook").GetProperty("id").GetString()!);
            }
        }
        if (attacks.Contains("login"))
        {
            // A portal account to guess the password of (sign-up puts it on the free plan).
            using var signUp = await anonymous.PostAsJsonAsync("/api/v1/auth/signup", new { tenant_name = "Attacker portal", slug = Slug, email = Email, password = "correct-horse-battery-staple" });
            NoisyNeighbour.Check(signUp, HttpStatusCode.Created, "the portal sign-up");
        }
        return new Setup(Slug, Email, stallHook);
    }

    public static Task Start(Setup setup, HttpClient attacker, HttpClient anonymous, byte[] bomb, AttackCounts counts, string[] attacks, CancellationToken stop)
    {
        var loops = new List<Task>();
        void Loop(string attack, int parallel, TimeSpan pause, Func<int, Task<int>> send)
        {
            if (!attacks.Contains(attack))
            {
                return;
            }
            for (int p = 0; p < parallel; p++)
            {
                loops.Add(Task.Run(async () =>
                {
                    for (int i = 0; !stop.IsCancellationRequested; i++)
                    {
                        int status;
                        try
                        {
                            status = await send(i);
                        }
                        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
                        {
                            status = -1;
                        }
                        counts.Add(attack, status);
                        try
                        {
                            await Task.Delay(pause, stop);
                        }
                        catch (OperationCanceledException)
                        {
                        }
                    }
                }, CancellationToken.None));
            }
        }
        async Task<int> Send(HttpRequestMessage request, HttpClient? client = null)
        {
            using (request)
            using (var response = await (client ?? attacker).SendAsync(request))
            {
                return (int)response.StatusCode;
            }
        }
        static HttpRequestMessage Post(string path, HttpContent content) => new(HttpMethod.Post, path) { Content = content };

        // 1. Batch poisoning: NUL in the text, ten at a time (≈ 40/s).
        Loop("poison", 10, TimeSpan.FromMilliseconds(250), i =>
            Send(Post("/api/v1/voice/generate", new StringContent($$"""{"text":"hello\u0000world {{i}}"}""", Encoding.UTF8, "application/json"))));
        // 2. Pronunciation amplification: ten "zq" (4,899 characters once spoken, just under free's 5,000) or eleven (over).
        Loop("amplify", 2, TimeSpan.FromMilliseconds(200), i =>
            Send(Post("/api/v1/voice/generate", JsonContent.Create(new { text = string.Join(' ', Enumerable.Repeat("zq", i % 2 == 0 ? 10 : 11)) }))));
        // 3. Decompression bomb: 31 KB that would decode to 90 million samples, two at a time back to back.
        Loop("bomb", 2, TimeSpan.FromMilliseconds(20), _ =>
            Send(Post("/api/v1/audio/analyze", new ByteArrayContent(bomb) { Headers = { ContentType = new MediaTypeHeaderValue("audio/flac") } })));
        // 4. Webhook stall: the endpoints above owe a stalled delivery for each attacker job; the test button too.
        if (setup.StallHook is { } hook)
        {
            Loop("stall", 2, TimeSpan.FromMilliseconds(100), _ => Send(Post($"/api/v1/webhooks/{hook}/test", new StringContent(""))));
        }
        // 5. Live-lane streams: twenty OpenAI speech streams, each held open (headers read, body not) for 15 s.
        Loop("streams", 20, TimeSpan.FromMilliseconds(200), async i =>
        {
            using var request = Post("/v1/audio/speech", JsonContent.Create(new { model = "tts-1", voice = "alloy", input = $"Stream number {i}: " + string.Concat(Enumerable.Repeat("a long sentence to keep the stream busy, ", 20)) }));
            using var response = await attacker.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stop);
            if (response.IsSuccessStatusCode)
            {
                await Task.Delay(TimeSpan.FromSeconds(15), stop).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            return (int)response.StatusCode;
        });
        // 6. Login guessing: wrong passwords for a real portal account, two at a time.
        Loop("login", 2, TimeSpan.FromMilliseconds(100), i =>
            Send(Post("/api/v1/auth/login", JsonContent.Create(new { tenant = setup.Slug, email = setup.Email, password = $"guess-number-{i:D6}" })), anonymous));
        return Task.WhenAll(loops);
    }
}
