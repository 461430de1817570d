using System.Formats.Tar;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Deploy;

/// <summary>
/// The images deploy/images/build.sh publishes without a Docker daemon (test.sh runs it first; this builds them if
/// they are missing): each OCI archive starts the right program as the unprivileged user on port 8080, and the
/// portal's image, run by podman with a read-only root filesystem as the cluster runs it, answers its probes.
/// </summary>
public sealed class ContainerImageTests
{
    private static readonly string Images = Path.Combine(RepositoryPaths.Root, "artifacts", "images");
    private static readonly string Work = Environment.GetEnvironmentVariable("VOICE_IMAGES_WORK") ?? "/var/tmp/voice-images";
    private static readonly SemaphoreSlim Build = new(1, 1);

    [Theory]
    [InlineData("api", "Voice.ApiService")]
    [InlineData("worker", "Voice.Worker")]
    [InlineData("web", "Voice.Web")]
    public async Task TheImageRunsTheServiceAsTheAppUserOnPort8080(string service, string assembly)
    {
        var config = ReadConfig(await ImageAsync(service)).GetProperty("config");
        Assert.Equal(["dotnet", $"/app/{assembly}.dll"], config.GetProperty("Entrypoint").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("1654", config.GetProperty("User").GetString());
        Assert.True(config.GetProperty("ExposedPorts").TryGetProperty("8080/tcp", out _));
        var env = config.GetProperty("Env").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("ASPNETCORE_HTTP_PORTS=8080", env);
        Assert.Contains("APP_UID=1654", env);
        Assert.Contains("/voice/aspnet-audio:", config.GetProperty("Labels").GetProperty("org.opencontainers.image.base.name").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThePortalImageAnswersItsHealthProbeWithAReadOnlyRootFilesystem()
    {
        string archive = await ImageAsync("web");
        string[] podman = ["--storage-driver", "vfs", "--root", Path.Combine(Work, "podman"), "--runroot", Path.Combine(Work, "podman-run")];
        var load = await Processes.RunAsync("podman", [.. podman, "load", "-q", "-i", archive], TimeSpan.FromMinutes(3));
        Assert.True(load.Code == 0, load.All);
        int port = FreePorts.Next(), metricsPort = FreePorts.Next();
        string name = $"voice-web-test-{port}";
        // Host networking (no bridge here); the ulimits podman would set are above what this sandbox permits.
        var start = await Processes.RunAsync("podman", [.. podman, "run", "-d", "--name", name, "--network", "host", "--read-only", "--tmpfs", "/tmp",
            "--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096",
            "-e", $"ASPNETCORE_HTTP_PORTS={port};{metricsPort}", "-e", "Telemetry__Prometheus=true", "-e", $"Telemetry__MetricsPort={metricsPort}",
            "-e", "Portal__DataProtectionKey=a-test-key-that-is-long-enough-for-the-portal-0123", "voice-web:dev"], TimeSpan.FromMinutes(4));
        try
        {
            Assert.True(start.Code == 0, start.All);
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var deadline = DateTime.UtcNow.AddSeconds(60);
            HttpStatusCode? status = null;
            while (DateTime.UtcNow < deadline && status != HttpStatusCode.OK)
            {
                try
                {
                    using var response = await client.GetAsync("/health");
                    status = response.StatusCode;
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(500);
                }
            }
            var logs = await Processes.RunAsync("podman", [.. podman, "logs", name], TimeSpan.FromSeconds(30));
            Assert.True(status == HttpStatusCode.OK, $"/health answered {status?.ToString() ?? "nothing"}; logs:\n{logs.All}");
            using var login = await client.GetAsync("/Account/Login"); // a page with an anti-forgery token: the key ring works read-only
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
            // As the manifests configure it: /metrics on its own port only, so the Service (and the ingress) never serve it.
            using (var hidden = await client.GetAsync("/metrics"))
            {
                Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
            }
            using var scraper = new HttpClient();
            using (var scraped = await scraper.GetAsync($"http://127.0.0.1:{metricsPort}/metrics"))
            {
                Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
                Assert.Contains("http_server_request_duration_seconds", await scraped.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
            var user = await Processes.RunAsync("podman", [.. podman, "exec", name, "id", "-u"], TimeSpan.FromSeconds(30));
            Assert.Equal("1654", user.Output.Trim());
        }
        finally
        {
            await Processes.RunAsync("podman", [.. podman, "rm", "-f", name], TimeSpan.FromMinutes(1));
            await Processes.RunAsync("podman", [.. podman, "rmi", "-f", "voice-web:dev"], TimeSpan.FromMinutes(1)); // vfs keeps whole copies
        }
    }

    /// <summary>The image's archive, built by the project's script when test.sh has not built it already.</summary>
    private static async Task<string> ImageAsync(string service)
    {
        string archive = Path.Combine(Images, $"voice-{service}.tar");
        await Build.WaitAsync();
        try
        {
            if (!File.Exists(archive))
            {
                var build = await Processes.RunAsync(Path.Combine(RepositoryPaths.Root, "deploy", "images", "build.sh"), [], TimeSpan.FromMinutes(20));
                Assert.True(build.Code == 0, build.All);
            }
        }
        finally
        {
            Build.Release();
        }
        return archive;
    }

    /// <summary>The image configuration: index.json → the manifest → its config blob, read from the OCI archive.</summary>
    private static JsonElement ReadConfig(string archive)
    {
        var blobs = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using (var reader = new TarReader(File.OpenRead(archive)))
        {
            while (reader.GetNextEntry() is { } entry)
            {
                // Layers are large: keep only the small JSON documents.
                if (entry.DataStream is not null && entry.Length < 64 * 1024)
                {
                    using var copy = new MemoryStream();
                    entry.DataStream.CopyTo(copy);
                    blobs[entry.Name.TrimStart('.', '/')] = copy.ToArray();
                }
            }
        }
        JsonElement Blob(string digest) => JsonDocument.Parse(blobs[$"blobs/sha256/{digest["sha256:".Length..]}"]).RootElement;
        var index = JsonDocument.Parse(blobs["index.json"]).RootElement;
        var manifest = Blob(index.GetProperty("manifests")[0].GetProperty("digest").GetString()!);
        return Blob(manifest.GetProperty("config").GetProperty("digest").GetString()!);
    }

}
