using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Voice.ApiService.Apis;
using Voice.Core.Jobs;
using Voice.Core.Pools;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Api;

/// <summary>
/// The API serves each pool's backlog for its autoscaler on the metrics port (<c>/queue/stats/{pool}</c>), so a pool
/// with no worker left (scaled to zero) can be woken by its first job: the queue and the pool registry are real (a
/// throwaway Redis), the endpoint is the API's own mapping. Never on the public port, whatever the Host header says;
/// a pool no worker ever announced is a 404.
/// </summary>
public sealed class QueueStatsApiTests
{
    [Fact]
    public async Task TheApiAnswersAPoolsBacklogOnItsMetricsPortWithNoWorkerRunning()
    {
        await using var redis = await ThrowawayRedis.StartAsync();
        int publicPort = FreePorts.Next(), metricsPort = FreePorts.Next();
        await using var app = await StartApiAsync(redis.Multiplexer, publicPort, metricsPort);
        var registry = app.Services.GetRequiredService<PoolRegistry>();
        var queue = app.Services.GetRequiredService<JobQueue>();
        // The pool ran once (its worker announced it), then scaled to zero: its last worker withdrew.
        await registry.AnnounceAsync(new PoolAnnouncement("qwen3-base", "qwen3-onnx", "base", ["clone"], ["en"], 24_000, 4, true, false, true), "worker-1", TimeSpan.FromMinutes(1));
        await registry.WithdrawAsync("qwen3-base", "worker-1");
        Assert.Empty(await registry.LiveAsync());
        // Jobs submitted meanwhile: two tenants' lanes and one live job.
        Guid first = Guid.NewGuid(), second = Guid.NewGuid();
        await queue.EnqueueAsync("qwen3-base", Guid.NewGuid(), first, 1, CancellationToken.None);
        await queue.EnqueueAsync("qwen3-base", Guid.NewGuid(), first, 1, CancellationToken.None);
        await queue.EnqueueAsync("qwen3-base", Guid.NewGuid(), second, 1, CancellationToken.None);
        await queue.EnqueueAsync("qwen3-base", Guid.NewGuid(), second, 1, CancellationToken.None, live: true);
        using var http = new HttpClient();

        using var stats = await http.GetAsync($"http://127.0.0.1:{metricsPort}/queue/stats/qwen3-base");

        Assert.Equal(HttpStatusCode.OK, stats.StatusCode);
        var body = await stats.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("qwen3-base", body.GetProperty("pool").GetString());
        Assert.Equal(4, body.GetProperty("backlog").GetInt64()); // KEDA's valueLocation: above 0 activates the pool
        Assert.Equal(3, body.GetProperty("tenants").GetInt64());
        Assert.Equal(1, body.GetProperty("live").GetInt64());
        Assert.True(body.GetProperty("oldest_seconds").GetDouble() >= 0);
        // The same shape as the worker's own /queue/stats.
        Assert.Equal(["backlog", "live", "oldest_seconds", "pool", "tenants"], body.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task TheBacklogIsNeverServedOnThePublicPortAndUnknownPoolsAre404()
    {
        await using var redis = await ThrowawayRedis.StartAsync();
        int publicPort = FreePorts.Next(), metricsPort = FreePorts.Next();
        await using var app = await StartApiAsync(redis.Multiplexer, publicPort, metricsPort);
        await app.Services.GetRequiredService<PoolRegistry>()
            .AnnounceAsync(new PoolAnnouncement("espeak", "espeak", "espeak", ["preset"], ["en"], 22_050, 1, true, false, false), "worker-1", TimeSpan.FromMinutes(1));
        using var http = new HttpClient();

        using var spoofed = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{publicPort}/queue/stats/espeak");
        spoofed.Headers.Host = $"127.0.0.1:{metricsPort}";
        using var fromPublic = await http.SendAsync(spoofed);
        using var known = await http.GetAsync($"http://127.0.0.1:{metricsPort}/queue/stats/espeak");
        using var unknown = await http.GetAsync($"http://127.0.0.1:{metricsPort}/queue/stats/nobody-announced-this");
        using var invalid = await http.GetAsync($"http://127.0.0.1:{metricsPort}/queue/stats/Not_A_Pool");

        Assert.Equal(HttpStatusCode.NotFound, fromPublic.StatusCode);
        Assert.Equal(HttpStatusCode.OK, known.StatusCode);
        Assert.Equal(0, (await known.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("backlog").GetInt64());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, invalid.StatusCode);
    }

    [Fact]
    public async Task WithoutAMetricsPortTheBacklogIsNotServedAtAll()
    {
        await using var redis = await ThrowawayRedis.StartAsync();
        int publicPort = FreePorts.Next();
        await using var app = await StartApiAsync(redis.Multiplexer, publicPort, metricsPort: null);
        await app.Services.GetRequiredService<PoolRegistry>()
            .AnnounceAsync(new PoolAnnouncement("espeak", "espeak", "espeak", ["preset"], ["en"], 22_050, 1, true, false, false), "worker-1", TimeSpan.FromMinutes(1));
        using var http = new HttpClient();

        using var response = await http.GetAsync($"http://127.0.0.1:{publicPort}/queue/stats/espeak");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    /// <summary>The API's queue-stats mapping over a real queue and pool registry, listening on a public port and, when given, the metrics port.</summary>
    private static async Task<WebApplication> StartApiAsync(IConnectionMultiplexer redis, int publicPort, int? metricsPort)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseUrls([$"http://127.0.0.1:{publicPort}", .. metricsPort is { } port ? [$"http://127.0.0.1:{port}"] : Array.Empty<string>()]);
        if (metricsPort is { } metrics)
        {
            builder.Configuration["Telemetry:MetricsPort"] = metrics.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        builder.Services.AddSingleton(redis);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddOptions<QueueOptions>();
        builder.Services.AddSingleton<JobQueue>();
        builder.Services.AddSingleton<PoolRegistry>();
        var app = builder.Build();
        app.MapQueueStatsApi();
        await app.StartAsync();
        return app;
    }


    /// <summary>A redis-server of the test's own on a free port, without persistence; stopped on dispose.</summary>
    private sealed class ThrowawayRedis : IAsyncDisposable
    {
        private readonly Process _server;

        private ThrowawayRedis(Process server, IConnectionMultiplexer multiplexer) => (_server, Multiplexer) = (server, multiplexer);

        public IConnectionMultiplexer Multiplexer { get; }

        public static async Task<ThrowawayRedis> StartAsync()
        {
            int port = FreePorts.Next();
            var server = Process.Start(new ProcessStartInfo("redis-server", ["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            {
                RedirectStandardOutput = true,
                UseShellExecute = false,
            })!;
            server.OutputDataReceived += (_, _) => { };
            server.BeginOutputReadLine();
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (true)
            {
                try
                {
                    return new ThrowawayRedis(server, await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},connectTimeout=1000"));
                }
                catch (RedisConnectionException) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(100);
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Multiplexer.DisposeAsync();
            _server.Kill();
            await _server.WaitForExitAsync();
            _server.Dispose();
        }
    }
}
