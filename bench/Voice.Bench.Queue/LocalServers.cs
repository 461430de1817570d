using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Voice.Bench.Queue;

/// <summary>A throwaway redis-server and PostgreSQL (the AppHost's own start script) for one benchmark run.</summary>
public sealed class LocalServers : IAsyncDisposable
{
    private readonly List<Process> _processes = [];

    public required string StateDirectory { get; init; }
    public int RedisPort { get; private init; }
    public int PostgresPort { get; private init; }
    public string PostgresPassword { get; } = Guid.NewGuid().ToString("N");

    public string OwnerConnectionString => $"Host=127.0.0.1;Port={PostgresPort};Username=postgres;Password={PostgresPassword};Database=postgres;Maximum Pool Size=64";

    public string RedisConnectionString => $"127.0.0.1:{RedisPort},allowAdmin=true";

    public static async Task<LocalServers> StartAsync(string repositoryRoot)
    {
        var servers = new LocalServers
        {
            StateDirectory = Path.Combine("/var/tmp/voice", $"bench-{Environment.ProcessId}"),
            RedisPort = FreePort(),
            PostgresPort = FreePort(),
        };
        Directory.CreateDirectory(servers.StateDirectory);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(servers.StateDirectory, (UnixFileMode)0x1ED); // 0755: the postgres user must traverse it
        }
        servers.Start("redis-server", ["--port", servers.RedisPort.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], []);
        servers.Start("bash",
            [Path.Combine(repositoryRoot, "Voice.AppHost", "LocalInfrastructure", "scripts", "start-postgres.sh"),
             Path.Combine(servers.StateDirectory, "pg"), servers.PostgresPort.ToString(), Path.Combine(servers.StateDirectory, "sock")],
            new() { ["VOICE_PG_PASSWORD"] = servers.PostgresPassword, ["VOICE_PG_OPTIONS"] = Environment.GetEnvironmentVariable("VOICE_PG_OPTIONS") ?? "" });
        await WaitForPortAsync(servers.RedisPort);
        await WaitForPortAsync(servers.PostgresPort);
        await Task.Delay(500); // postgres accepts connections a moment after it listens
        return servers;
    }

    private void Start(string command, string[] args, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(command, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in environment)
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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitForPortAsync(int port)
    {
        for (int i = 0; i < 300; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }
        throw new TimeoutException($"Nothing listens on port {port}.");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            if (!process.HasExited)
            {
                process.Kill();
                await process.WaitForExitAsync();
            }
            process.Dispose();
        }
        await Task.Delay(500);
        Directory.Delete(StateDirectory, recursive: true);
    }
}
