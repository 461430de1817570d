using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using HdrHistogram;

/// <summary>
/// wrk-style closed loop (issue 27): N connections, each sending its next request the moment the previous one
/// answers, so throughput is what the server gives and latency is each request's own (no schedule to miss). Voice —
/// the platform from a harness built Debug (what ./run.sh builds and starts) or Release, worker running (null
/// engine) — against the seed's design (bench/seed-peer: FastAPI, two uvicorn workers, Redis list, a drain worker),
/// rounds alternating in the same run. wrk, where installed, measures one round of each as a cross-check.
///   closed-loop [seconds a round (10)] [rounds (2)] [connections (1000)] [Debug,Release | a Voice.Bench.Load.dll path …]
///   serve       (internal) start the platform, print its API and 50 keys, run until stdin closes
/// </summary>
static class ClosedLoop
{
    const int Tenants = 50;

    public static async Task<OpenLoop.Step> RunAsync(int connections, TimeSpan duration, Func<int, Task<int>> send)
    {
        var histogram = new LongHistogram(TimeSpan.FromMinutes(10).Ticks / 10, 3); // microseconds
        var statuses = new Dictionary<int, int>();
        long start = Stopwatch.GetTimestamp(), end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        int counter = 0, completed = 0;
        async Task ConnectionAsync()
        {
            await Task.Yield();
            while (Stopwatch.GetTimestamp() < end)
            {
                long sent = Stopwatch.GetTimestamp();
                int status;
                try
                {
                    status = await send(Interlocked.Increment(ref counter));
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
                {
                    status = -1;
                }
                long now = Stopwatch.GetTimestamp();
                if (now > end)
                {
                    break; // answered after the round: not counted, as wrk does
                }
                lock (histogram)
                {
                    histogram.RecordValue(Math.Max(1, (long)Stopwatch.GetElapsedTime(sent, now).TotalMicroseconds));
                    statuses[status] = statuses.GetValueOrDefault(status) + 1;
                    completed++;
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => ConnectionAsync()));
        if (completed == 0)
        {
            histogram.RecordValue((long)duration.TotalMicroseconds); // none answered within the round: at least that long
        }
        return new OpenLoop.Step(connections, completed / duration.TotalSeconds, completed, histogram.GetValueAtPercentile(50), histogram.GetValueAtPercentile(90),
            histogram.GetValueAtPercentile(99), histogram.GetValueAtPercentile(99.9), histogram.GetMaxValue(), statuses, histogram.GetMean());
    }

    /// <summary>The child side: the platform as this build starts it, announced on stdout.</summary>
    public static async Task ServeAsync()
    {
        await using var platform = await Platform.StartAsync("null");
        var keys = await platform.TenantsAsync(Tenants);
        foreach (var (resource, pid) in await platform.ProcessIdsAsync())
        {
            Console.WriteLine($"serve: pid {resource} {pid}");
        }
        Console.WriteLine($"serve: api {platform.Api.BaseAddress}");
        keys.ForEach(k => Console.WriteLine($"serve: key {k}"));
        Console.WriteLine("serve: ready");
        await Console.In.ReadToEndAsync();
    }

    public static async Task CompareAsync(StringBuilder report, string root, string[] args)
    {
        var seconds = TimeSpan.FromSeconds(args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10);
        int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2;
        int connections = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1000;
        string[] builds = args.Length > 3 ? args[3].Split(',') : ["Debug", "Release"];
        string body = "{\"text\":\"" + new string('a', 60) + " submit load test sentence.\"}";

        await using var seed = await SeedPeer.StartAsync(root, Tenants);
        using var seedClient = Client(seed.Address);
        Func<int, Task<int>> seedSend = i => PostAsync(seedClient, seed.Keys[i % seed.Keys.Count], body);
        var rows = new List<(string Who, int Round, OpenLoop.Step Step, string Load, Dictionary<string, double> Cpu)>();
        var wrk = new List<string>();
        var drained = new List<double>();
        foreach (string build in builds)
        {
            await using var voice = await ServedPlatform.StartAsync(root, build);
            using var voiceClient = Client(voice.Address);
            Func<int, Task<int>> voiceSend = i => PostAsync(voiceClient, voice.Keys[i % voice.Keys.Count], body);
            string label = $"Voice {voice.Label}";
            // Warm-up: connections opened, the JIT's first tiers, pools filled; not counted.
            await RunAsync(connections, TimeSpan.FromSeconds(10), voiceSend);
            await RunAsync(connections, TimeSpan.FromSeconds(3), seedSend);
            for (int round = 1; round <= rounds; round++)
            {
                // Alternate which goes first, so neither always follows the other's backlog.
                // CPU seconds of every process of both systems and of this harness during each round: where a request's time goes.
                var processes = new Dictionary<string, int>(voice.Pids);
                foreach (var (name, pid) in seed.Pids)
                {
                    processes["seed " + name] = pid;
                }
                foreach (var (who, send) in round % 2 == 1 ? new[] { (label, voiceSend), ("seed peer", seedSend) } : [("seed peer", seedSend), (label, voiceSend)])
                {
                    // Voice's worker finishes the last round's jobs first (up to 30 s), so neither round pays for the other's backlog.
                    drained.Add(await QuietAsync(voice.Pids.Where(p => p.Key is "worker" or "blobs").ToDictionary(), TimeSpan.FromSeconds(30)));
                    var before = ProcessCpu.Trees(processes);
                    var harness = Process.GetCurrentProcess().TotalProcessorTime; // itself only: the peers are its children
                    var step = await RunAsync(connections, seconds, send);
                    var cpu = ProcessCpu.Trees(processes).Minus(before);
                    cpu["harness"] = (Process.GetCurrentProcess().TotalProcessorTime - harness).TotalSeconds;
                    string load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
                    rows.Add((who, round, step, load, cpu));
                    Console.Error.WriteLine(FormattableString.Invariant($"  {who} round {round}: {step.AchievedRate:N0}/s, p50 {step.P50Us / 1000.0:N0} ms, p99 {step.P99Ms:N0} ms, errors {step.Errors}"));
                }
            }
            if (build == builds[^1] && Wrk.Available)
            {
                wrk.Add($"{label}: " + await Wrk.RunAsync(voice.Address, voice.Keys, body, connections, seconds));
                wrk.Add("seed peer: " + await Wrk.RunAsync(seed.Address, seed.Keys, body, connections, seconds));
            }
        }

        report.AppendLine().AppendLine(CultureInfo.InvariantCulture,
            $"### closed-loop: {connections:N0} connections, POST /api/v1/voice/generate ({body.Length} bytes), {Tenants} tenants, {seconds.TotalSeconds:N0} s a round, worker running (Voice: null engine; seed: a drain loop)").AppendLine();
        report.AppendLine("| target | round | requests/s | requests | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | answers | load (1 min) |");
        report.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|");
        foreach (var (who, round, s, load, _) in rows)
        {
            string answers = string.Join(", ", s.Statuses.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}×{kv.Value}"));
            report.AppendLine(CultureInfo.InvariantCulture,
                $"| {who} | {round} | {s.AchievedRate:N0} | {s.Requests:N0} | {s.P50Us / 1000.0:N1} | {s.P90Us / 1000.0:N1} | {s.P99Us / 1000.0:N1} | {s.P999Us / 1000.0:N1} | {s.MaxUs / 1000.0:N1} | {answers} | {load} |");
        }
        double seedRate = rows.Where(r => r.Who == "seed peer").Average(r => r.Step.AchievedRate);
        foreach (var who in rows.Select(r => r.Who).Where(w => w != "seed peer").Distinct())
        {
            var mine = rows.Where(r => r.Who == who).ToList();
            report.AppendLine().AppendLine(CultureInfo.InvariantCulture,
                $"{who}: mean {mine.Average(r => r.Step.AchievedRate):N0}/s = **{mine.Average(r => r.Step.AchievedRate) / seedRate:N2}× the seed peer** (mean {seedRate:N0}/s over all its rounds); worst p99 {mine.Max(r => r.Step.P99Ms):N0} ms.");
        }
        report.AppendLine().AppendLine(CultureInfo.InvariantCulture,
            $"Before each round Voice's worker finished the jobs already queued: {drained.Average():N1} s on average, at most {drained.Max():N1} s (30 s cap).");
        report.AppendLine().AppendLine("CPU per answered request, ms (each process with its children, /proc; the mean over each target's rounds):").AppendLine();
        var names = rows.SelectMany(r => r.Cpu.Where(c => c.Value >= 0.1).Select(c => c.Key)).Distinct().Order(StringComparer.Ordinal).ToList();
        report.AppendLine("| target | " + string.Join(" | ", names) + " | all |").AppendLine("|---|" + string.Concat(names.Select(_ => "---:|")) + "---:|");
        foreach (var who in rows.Select(r => r.Who).Distinct())
        {
            var mine = rows.Where(r => r.Who == who).ToList();
            double Per(string name) => mine.Sum(r => r.Cpu.GetValueOrDefault(name)) * 1000 / mine.Sum(r => r.Step.Requests);
            report.AppendLine(CultureInfo.InvariantCulture,
                $"| {who} | {string.Join(" | ", names.Select(n => Per(n).ToString("N2", CultureInfo.InvariantCulture)))} | {names.Sum(Per):N2} |");
        }
        if (wrk.Count > 0)
        {
            report.AppendLine().AppendLine("wrk, one round each (same connections and seconds, 2 threads):").AppendLine();
            wrk.ForEach(w => report.AppendLine("- " + w));
        }
    }

    /// <summary>Waits until <paramref name="processes"/> use under a tenth of a core (at most <paramref name="limit"/>); the seconds waited.</summary>
    static async Task<double> QuietAsync(Dictionary<string, int> processes, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            var before = ProcessCpu.Trees(processes);
            await Task.Delay(TimeSpan.FromSeconds(1));
            if (ProcessCpu.Trees(processes).Minus(before).Values.Sum() < 0.1)
            {
                break;
            }
        }
        return clock.Elapsed.TotalSeconds;
    }

    static async Task<int> PostAsync(HttpClient client, string key, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/voice/generate") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await client.SendAsync(request);
        return (int)response.StatusCode;
    }

    static HttpClient Client(Uri address) => new(new SocketsHttpHandler { MaxConnectionsPerServer = 2000, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
    {
        BaseAddress = address,
        Timeout = TimeSpan.FromSeconds(30),
    };
}
