using System.Diagnostics;

namespace Voice.Tests.Infrastructure;

/// <summary>
/// Extra worker processes (the real Voice.Worker binary) serving one pool against the running platform's Postgres,
/// Redis and Azurite, which a test may kill (SIGKILL: no shutdown, no release, no acknowledgement) and start again.
/// Disposing stops them cleanly (SIGTERM) and forgets the pool (a killed worker's announcement would otherwise keep it
/// "restarting" for ten minutes, and later tests' jobs would be routed to it and wait).
/// </summary>
public sealed class WorkerProcesses : IAsyncDisposable
{
    private readonly List<Process> _processes = [];
    private readonly Dictionary<string, string?> _environment;
    private readonly string _pool;
    private readonly string _redis;

    private WorkerProcesses(Dictionary<string, string?> environment, string pool, string redis) =>
        (_environment, _pool, _redis) = (environment, pool, redis);

    public int Count => _processes.Count;

    /// <summary>Starts <paramref name="count"/> workers of the pool <paramref name="pool"/>; <paramref name="settings"/> (configuration keys with __) add to or override the defaults.</summary>
    public static async Task<WorkerProcesses> StartAsync(VoiceAppFixture app, string pool, int count, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__voicedb-app"] = await app.ConnectionStringAsync("voicedb-app"),
            ["ConnectionStrings__redis"] = await app.ConnectionStringAsync("redis"),
            ["ConnectionStrings__blobs"] = await app.ConnectionStringAsync("blobs"),
            ["Voice__MasterKey"] = app.MasterKey,
            ["Worker__Pool"] = pool,
            ["Speech__Engine"] = "null",
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            environment[key] = value;
        }
        var workers = new WorkerProcesses(environment, pool, environment["ConnectionStrings__redis"]!);
        for (int i = 0; i < count; i++)
        {
            workers.Start();
        }
        return workers;
    }

    /// <summary>Starts one more worker.</summary>
    public void Start()
    {
        var start = new ProcessStartInfo("dotnet", [WorkerAssembly()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in _environment)
        {
            start.Environment[key] = value;
        }
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add(process);
    }

    /// <summary>Kills one worker at random with SIGKILL.</summary>
    public void KillOne()
    {
        var victim = _processes[Random.Shared.Next(_processes.Count)];
        victim.Kill();
        victim.WaitForExit();
        _processes.Remove(victim);
        victim.Dispose();
    }

    public void KillOneAndReplace()
    {
        KillOne();
        Start();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            using var term = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await term.WaitForExitAsync();
        }
        foreach (var process in _processes)
        {
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(40));
            try
            {
                await process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
            process.Dispose();
        }
        _processes.Clear();
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(_redis);
        var db = redis.GetDatabase();
        foreach (var member in await db.SortedSetRangeByRankAsync(Alive))
        {
            if (member.ToString().StartsWith(_pool + "|", StringComparison.Ordinal))
            {
                await db.SortedSetRemoveAsync(Alive, member);
            }
        }
        await Task.Delay(TimeSpan.FromSeconds(2.5)); // the API's view of the pools refreshes every 2 s
    }

    /// <summary>The registry's set of live announcements (<c>PoolRegistry</c>).</summary>
    private const string Alive = "{voice}:pools:alive";

    private static string WorkerAssembly()
    {
        string configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        return Path.Combine(RepositoryPaths.Root, "Voice.Worker", "bin", configuration, "net10.0", "Voice.Worker.dll");
    }
}
