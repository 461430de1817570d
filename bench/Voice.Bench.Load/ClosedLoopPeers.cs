using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

/// <summary>
/// The platform started by a child harness (<c>dotnet Voice.Bench.Load.dll serve</c>) built Debug or Release: the
/// AppHost starts the services in the configuration it was built in, as ./run.sh's Debug build does, so the build
/// picks the configuration. <c>label=path/to/Voice.Bench.Load.dll</c> starts another checkout's (a baseline).
/// </summary>
sealed class ServedPlatform : IAsyncDisposable
{
    private readonly Process _child;

    private ServedPlatform(Process child, string label, Uri address, List<string> keys, Dictionary<string, int> pids) =>
        (_child, Label, Address, Keys, Pids) = (child, label, address, keys, pids);

    /// <summary>The platform's processes by resource name (api, worker, postgres, redis, …).</summary>
    public Dictionary<string, int> Pids { get; }

    public string Label { get; }

    public Uri Address { get; }

    public List<string> Keys { get; }

    public static async Task<ServedPlatform> StartAsync(string root, string build)
    {
        string label = build.Contains('=', StringComparison.Ordinal) ? build[..build.IndexOf('=', StringComparison.Ordinal)] : build;
        string dll = build.Contains('=', StringComparison.Ordinal)
            ? build[(label.Length + 1)..]
            : Path.Combine(root, "bench", "Voice.Bench.Load", "bin", build, "net10.0", "Voice.Bench.Load.dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} is missing: dotnet build bench/Voice.Bench.Load -c {build}");
        }
        var start = new ProcessStartInfo("dotnet", [dll, "serve"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        var child = Process.Start(start)!;
        Uri? address = null;
        var keys = new List<string>();
        var pids = new Dictionary<string, int>(StringComparer.Ordinal);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        while (await child.StandardOutput.ReadLineAsync(timeout.Token) is { } line && line != "serve: ready")
        {
            if (line.StartsWith("serve: api ", StringComparison.Ordinal))
            {
                address = new Uri(line["serve: api ".Length..]);
            }
            else if (line.StartsWith("serve: key ", StringComparison.Ordinal))
            {
                keys.Add(line["serve: key ".Length..]);
            }
            else if (line.StartsWith("serve: pid ", StringComparison.Ordinal) && line.Split(' ') is [_, _, var resource, var pid])
            {
                pids[resource] = int.Parse(pid, CultureInfo.InvariantCulture);
            }
        }
        if (address is null || keys.Count == 0)
        {
            child.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"The {label} platform did not start.");
        }
        _ = child.StandardOutput.ReadToEndAsync(); // keep its pipe drained
        return new ServedPlatform(child, label, address, keys, pids);
    }

    public async ValueTask DisposeAsync()
    {
        _child.StandardInput.Close(); // the child stops its AppHost and exits
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await _child.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _child.Kill(entireProcessTree: true);
        }
        _child.Dispose();
    }
}

/// <summary>
/// The seed's design (bench/seed-peer/app.py) on its own redis-server (no persistence, as the seed configures none):
/// two uvicorn workers and a drain loop as its worker, from Debian's python3-fastapi, python3-uvicorn, python3-redis.
/// </summary>
sealed class SeedPeer : IAsyncDisposable
{
    private const string Python = "/usr/bin/python3";
    private readonly List<Process> _processes;

    private SeedPeer(List<Process> processes, Uri address, List<string> keys) => (_processes, Address, Keys) = (processes, address, keys);

    /// <summary>Its processes: redis, uvicorn (with its workers), drain.</summary>
    public Dictionary<string, int> Pids => new() { ["redis"] = _processes[0].Id, ["uvicorn"] = _processes[1].Id, ["drain"] = _processes[2].Id };

    public Uri Address { get; }

    public List<string> Keys { get; }

    public static async Task<SeedPeer> StartAsync(string root, int tenants)
    {
        string folder = Path.Combine(root, "bench", "seed-peer");
        int redisPort = FreePort(), appPort = FreePort();
        var environment = new Dictionary<string, string> { ["SEED_REDIS_PORT"] = redisPort.ToString(CultureInfo.InvariantCulture) };
        var processes = new List<Process>
        {
            Start("redis-server", ["--port", $"{redisPort}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning"], folder, environment),
        };
        try
        {
            List<string> keys = [];
            for (int attempt = 0; keys.Count == 0; attempt++)
            {
                await Task.Delay(200);
                using var seeding = Start(Python, ["app.py", "tenants", $"{tenants}"], folder, environment, output: true);
                string printed = await seeding.StandardOutput.ReadToEndAsync();
                await seeding.WaitForExitAsync();
                keys = seeding.ExitCode == 0 ? [.. printed.Split('\n', StringSplitOptions.RemoveEmptyEntries)] : attempt < 20 ? [] : throw new InvalidOperationException("Redis for the seed peer did not start.");
            }
            processes.Add(Start(Python, ["-m", "uvicorn", "app:app", "--workers", "2", "--host", "127.0.0.1", "--port", $"{appPort}", "--no-access-log", "--log-level", "warning"], folder, environment));
            processes.Add(Start(Python, ["app.py", "drain"], folder, environment));
            var address = new Uri($"http://127.0.0.1:{appPort}");
            using var probe = new HttpClient { BaseAddress = address };
            for (int attempt = 0; !await AnswersAsync(probe); attempt++)
            {
                await Task.Delay(attempt < 150 ? 200 : throw new InvalidOperationException("The seed peer did not start."));
            }
            // Stopped with the harness, however it ends (Ctrl+C included).
            AppDomain.CurrentDomain.ProcessExit += (_, _) => processes.ForEach(p => KillQuietly(p));
            return new SeedPeer(processes, address, keys);
        }
        catch
        {
            processes.ForEach(KillQuietly);
            throw;
        }
    }

    private static async Task<bool> AnswersAsync(HttpClient probe)
    {
        try
        {
            using var answer = await probe.GetAsync("/openapi.json");
            return answer.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static Process Start(string file, string[] arguments, string folder, Dictionary<string, string> environment, bool output = false)
    {
        var start = new ProcessStartInfo(file, arguments) { WorkingDirectory = folder, RedirectStandardOutput = output };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        return Process.Start(start)!;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void KillQuietly(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes.AsEnumerable().Reverse())
        {
            KillQuietly(process);
            await process.WaitForExitAsync();
        }
    }
}

/// <summary>wrk (apt: wrk) as a cross-check of the closed loop: the same body, keys in turn, its own summary.</summary>
static class Wrk
{
    public static bool Available => File.Exists("/usr/bin/wrk");

    public static async Task<string> RunAsync(Uri address, List<string> keys, string body, int connections, TimeSpan duration)
    {
        string script = Path.Combine(Path.GetTempPath(), $"voice-wrk-{Guid.NewGuid():N}.lua");
        static string Quote(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
        await File.WriteAllTextAsync(script, $$"""
            local keys = { {{string.Join(", ", keys.Select(Quote))}} }
            local body = {{Quote(body)}}
            local i = 0
            request = function()
              i = i + 1
              return wrk.format("POST", "/api/v1/voice/generate",
                { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. keys[(i % #keys) + 1] }, body)
            end
            """);
        try
        {
            using var wrk = Process.Start(new ProcessStartInfo("wrk",
                ["-t2", $"-c{connections}", $"-d{duration.TotalSeconds:0}s", "--latency", "--timeout", "30s", "-s", script, address.ToString().TrimEnd('/')])
            {
                RedirectStandardOutput = true,
            })!;
            string output = await wrk.StandardOutput.ReadToEndAsync();
            await wrk.WaitForExitAsync();
            var summary = new StringBuilder();
            foreach (string line in output.Split('\n').Select(l => l.Trim()))
            {
                if (line.StartsWith("Requests/sec", StringComparison.Ordinal) || line.StartsWith("50%", StringComparison.Ordinal) || line.StartsWith("90%", StringComparison.Ordinal)
                    || line.StartsWith("99%", StringComparison.Ordinal) || line.StartsWith("Non-2xx", StringComparison.Ordinal) || line.StartsWith("Socket errors", StringComparison.Ordinal))
                {
                    summary.Append(summary.Length > 0 ? "; " : "").Append(string.Join(' ', line.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
                }
            }
            return summary.ToString();
        }
        finally
        {
            File.Delete(script);
        }
    }
}
