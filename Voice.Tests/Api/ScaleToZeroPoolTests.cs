using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using Voice.ApiService.Pools;
using Voice.Core.Pools;
using Voice.Speech.Engines;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Api;

/// <summary>
/// A pool whose autoscaler takes it to zero workers (GPU pools: <c>Worker__ScalesToZero</c> in the generated manifests)
/// keeps taking jobs after its last worker stops cleanly, so their backlog can wake it; any other pool that stops
/// cleanly is gone at once, as before.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class ScaleToZeroPoolTests(VoiceAppFixture app)
{
    [Fact]
    public async Task APoolThatScalesToZeroStaysRoutableWithNoWorkersAndOthersThatStopAreGone()
    {
        // A Redis database of its own: only the pools this test announces exist there.
        await using var redis = await ConnectionMultiplexer.ConnectAsync(await app.ConnectionStringAsync("redis") + ",defaultDatabase=11,allowAdmin=true");
        await redis.GetServers()[0].FlushDatabaseAsync(11);
        var registry = new PoolRegistry(redis, TimeProvider.System);
        var directory = new PoolDirectory(registry, SpeechEngines.Describe(SpeechEngines.Espeak), NullLogger<PoolDirectory>.Instance);
        var router = new PoolRouter(directory);
        var plan = Voice.Core.Billing.PlanLimits.Fallback("test");
        var gpu = new PoolAnnouncement("qwen3-base", "qwen3-onnx", "Base-1.7B", ["clone"], ["en"], 24_000, 8, true, false, true, ScalesToZero: true);
        var cpu = new PoolAnnouncement("espeak", "espeak", "espeak", ["preset", "design"], ["en"], 22_050, 1, true, true, false);
        await registry.AnnounceAsync(gpu, "gpu-1", TimeSpan.FromMinutes(1));
        await registry.AnnounceAsync(cpu, "cpu-1", TimeSpan.FromMinutes(1));
        await directory.RefreshAsync();
        Assert.Equal(["espeak", "qwen3-base"], directory.Pools.Select(p => p.Pool.Name));

        // Both scale down cleanly: each last worker withdraws.
        await registry.WithdrawAsync("qwen3-base", "gpu-1");
        await registry.WithdrawAsync("espeak", "cpu-1");
        await directory.RefreshAsync();

        var pool = Assert.Single(directory.Pools);
        Assert.Equal(("qwen3-base", 0), (pool.Pool.Name, pool.Workers));
        Assert.Equal("qwen3-base", router.Route(new RouteRequest(VoiceMode.Clone, "en"), plan, []).Route!.Pool);

        // Each refresh renews it while Redis describes it (the ten minutes a restarting pool gets never run out), and
        // a pool that comes back is listed beside it.
        await registry.AnnounceAsync(cpu, "cpu-2", TimeSpan.FromMinutes(1));
        await directory.RefreshAsync();
        Assert.Equal(["espeak", "qwen3-base"], directory.Pools.Select(p => p.Pool.Name));
        await redis.GetServers()[0].FlushDatabaseAsync(11);
    }
}
