using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Voice.Speech.Engines;
using Voice.Speech.Espeak;

/// <summary>
/// Machine CPU per completed short job (issue 27, target 2): the end-to-end scenario's 99-character texts kept at
/// saturation (a closed loop with a backlog, each job followed over SSE to task.completed, as the end-to-end scenario
/// does) through the espeak engine and 2 worker slots; CPU seconds of every process of the platform (API, worker,
/// Postgres with all its backends, Redis, the blob store) from /proc over the window, per completed job, against the
/// engine's own CPU for the same text in this process. Then the seed's burst: 1,000 requests within one second.
/// Usage: dotnet run -c Release --project bench/Voice.Bench.Load -- job-cpu [window seconds (20)]
/// </summary>
static class JobCpu
{
    private const string Text = "The quarterly report is ready. Sales grew in every region, and the new product line sold out twice.";
    private const int Backlog = 24; // jobs in flight: enough to keep both slots busy between completions

    public static async Task RunAsync(StringBuilder report, TimeSpan window)
    {
        double engineMs = await EngineCpuMsAsync();

        await using var platform = await Platform.StartAsync("espeak");
        var keys = await platform.TenantsAsync(10);
        var pids = await platform.ProcessIdsAsync();
        Console.Error.WriteLine("job-cpu: processes " + string.Join(", ", pids.Select(p => $"{p.Key}={p.Value}")));

        // Warm-up (JIT tiering, pools), then the measured window.
        await SaturateAsync(platform, keys, TimeSpan.FromSeconds(20));
        var before = ProcessCpu.Trees(pids);
        long started = Stopwatch.GetTimestamp();
        int completed = await SaturateAsync(platform, keys, window);
        double elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var used = ProcessCpu.Trees(pids).Minus(before);

        var burstClock = Stopwatch.StartNew();
        var burst = await OpenLoop.RunAsync(1000, TimeSpan.FromSeconds(1), i => SpeakAsync(platform, keys[i % keys.Count]));
        double drained = burstClock.Elapsed.TotalSeconds;

        double total = used.Values.Sum();
        report.AppendLine().AppendLine(CultureInfo.InvariantCulture,
            $"### job-cpu: {Text.Length}-character texts at saturation ({Backlog} in flight), espeak, 2 worker slots; {completed:N0} jobs completed in {elapsed:N1} s = **{completed / elapsed:N1} jobs/s**").AppendLine();
        report.AppendLine("| process | CPU s | ms per job |").AppendLine("|---|---:|---:|");
        foreach (var (name, seconds) in used.OrderByDescending(u => u.Value))
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {seconds:N2} | {seconds * 1000 / completed:N2} |");
        }
        report.AppendLine(CultureInfo.InvariantCulture, $"| **all** | {total:N2} | **{total * 1000 / completed:N2}** |");
        report.AppendLine().AppendLine(CultureInfo.InvariantCulture,
            $"The engine alone (this process, same text): {engineMs:N2} ms CPU per job → machine CPU per job / engine CPU = **{total * 1000 / completed / engineMs:N2}×**.");
        report.AppendLine().AppendLine(CultureInfo.InvariantCulture,
            $"Burst of 1,000 requests within one second, each followed to task.completed: mean {burst.MeanUs / 1000.0:N0} ms, p99 {burst.P99Ms:N0} ms, errors {burst.Errors}; drained in {drained:N1} s ({burst.Requests / drained:N1} jobs/s).");
    }

    /// <summary>CPU (user + system) of this process per synthesis of the text, median of 5 rounds of 20.</summary>
    private static async Task<double> EngineCpuMsAsync()
    {
        var engine = new EspeakEngine();
        await engine.WarmUpAsync(CancellationToken.None);
        var voice = await engine.CreateVoiceAsync(new PresetVoiceSpec("alloy", "en"), CancellationToken.None);
        var rounds = new List<double>();
        using var self = Process.GetCurrentProcess();
        for (int round = 0; round < 6; round++)
        {
            self.Refresh();
            var cpu = self.TotalProcessorTime;
            for (int i = 0; i < 20; i++)
            {
                await foreach (var chunk in engine.SynthesizeAsync(new SynthesisRequest(Text, "en", voice), CancellationToken.None))
                {
                    _ = chunk.Samples.Length;
                }
            }
            self.Refresh();
            if (round > 0) // the first round warms the JIT
            {
                rounds.Add((self.TotalProcessorTime - cpu).TotalMilliseconds / 20);
            }
        }
        rounds.Sort();
        return rounds[rounds.Count / 2];
    }

    /// <summary>Keeps <see cref="Backlog"/> jobs in flight for <paramref name="duration"/>; the jobs completed in it.</summary>
    private static async Task<int> SaturateAsync(Platform platform, List<string> keys, TimeSpan duration)
    {
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        int completed = 0, next = 0;
        await Task.WhenAll(Enumerable.Range(0, Backlog).Select(async _ =>
        {
            while (Stopwatch.GetTimestamp() < end)
            {
                int status = await SpeakAsync(platform, keys[Interlocked.Increment(ref next) % keys.Count]);
                if (status == 200 && Stopwatch.GetTimestamp() < end)
                {
                    Interlocked.Increment(ref completed);
                }
            }
        }));
        return completed;
    }

    /// <summary>Submits the text and follows the task's live events to its end, as a client would: 200 completed, 500 failed or canceled, else the refusal's status.</summary>
    public static async Task<int> SpeakAsync(Platform platform, string key, string text = Text)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/voice/generate") { Content = JsonContent.Create(new { text }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var submitted = await platform.Api.SendAsync(request);
        if (submitted.StatusCode != HttpStatusCode.Accepted)
        {
            return (int)submitted.StatusCode;
        }
        string id = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetString()!;
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
}
