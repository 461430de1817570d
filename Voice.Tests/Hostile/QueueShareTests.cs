using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Voice.Core.Jobs;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Hostile;

/// <summary>
/// One tenant must not take every worker: neither with many streams (live jobs), which would fill the one FIFO live
/// lane and be picked ahead of everyone's queued work, nor by holding all of a worker's slots with long jobs (the
/// worker passes its lane over). The queue runs on the platform's Redis but in a database of its own, so the
/// platform's worker never picks these entries.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class QueueShareTests(VoiceAppFixture app) : IAsyncLifetime
{
    private const int Cap = 2, Burst = 3;
    private ConnectionMultiplexer _redis = null!;
    private JobQueue _queue = null!;

    public async Task InitializeAsync()
    {
        _redis = await ConnectionMultiplexer.ConnectAsync(await app.ConnectionStringAsync("redis") + ",defaultDatabase=9,allowAdmin=true");
        await _redis.GetServers()[0].FlushDatabaseAsync(9);
        _queue = new JobQueue(_redis, Options.Create(new QueueOptions { LiveJobsPerTenant = Cap, LiveBurst = Burst }));
    }

    public async Task DisposeAsync()
    {
        await _redis.GetServers()[0].FlushDatabaseAsync(9);
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task AnotherTenantsStreamIsNotQueuedBehindOneTenantsMany()
    {
        Guid noisy = Guid.NewGuid(), quiet = Guid.NewGuid();
        await _queue.EnqueueManyAsync([.. Enumerable.Range(0, 20).Select(_ => Item(noisy, live: true))], CancellationToken.None);
        var stream = Item(quiet, live: true);
        await _queue.EnqueueManyAsync([stream], CancellationToken.None);

        var firstPicks = await PickAsync(Cap + 1);

        Assert.Contains(firstPicks, e => e.JobId == stream.JobId && e.Live);
        Assert.Equal(Cap, firstPicks.Count(e => e.TenantId == noisy && e.Live));
    }

    [Fact]
    public async Task StreamsBeyondTheCapAreStillServedInTheTenantsOwnLane()
    {
        Guid noisy = Guid.NewGuid();
        var items = Enumerable.Range(0, 6).Select(_ => Item(noisy, live: true)).ToList();
        await _queue.EnqueueManyAsync(items, CancellationToken.None);

        var picked = await PickAsync(items.Count + 2);

        Assert.Equal(items.Select(i => i.JobId).Order(), picked.Select(e => e.JobId).Order());
        Assert.Equal(Cap, picked.Count(e => e.Live));
    }

    [Fact]
    public async Task AcknowledgedStreamsFreeTheirPlaceInTheLiveLane()
    {
        Guid tenant = Guid.NewGuid();
        await _queue.EnqueueManyAsync([Item(tenant, live: true), Item(tenant, live: true)], CancellationToken.None);
        var running = await PickAsync(2);
        await _queue.AcknowledgeManyAsync(running);

        var next = Item(tenant, live: true);
        await _queue.EnqueueManyAsync([next], CancellationToken.None);

        Assert.True(Assert.Single(await PickAsync(1)).Live);
    }

    [Fact]
    public async Task QueuedWorkKeepsAShareWhileStreamsWait()
    {
        Guid batch = Guid.NewGuid();
        // Many streaming tenants, each within the cap: the live lane is long and stays full.
        var streams = Enumerable.Range(0, 10).SelectMany(_ => { var t = Guid.NewGuid(); return new[] { Item(t, live: true), Item(t, live: true) }; }).ToList();
        await _queue.EnqueueManyAsync(streams, CancellationToken.None);
        await _queue.EnqueueManyAsync([.. Enumerable.Range(0, 5).Select(_ => Item(batch, live: false))], CancellationToken.None);

        var picks = new List<QueueEntry>();
        for (int i = 0; i < 8; i++)
        {
            picks.AddRange(await _queue.PickManyAsync(Pool, "test", 1));
        }

        Assert.Equal(8 / (Burst + 1), picks.Count(e => e.TenantId == batch));
        Assert.All(picks.Take(Burst), e => Assert.True(e.Live)); // streams still come first
    }

    [Fact]
    public async Task ATenantPassedOverKeepsItsPlaceWhileOthersArePicked()
    {
        Guid busy = Guid.NewGuid(), other = Guid.NewGuid();
        await _queue.EnqueueManyAsync([Item(busy, live: false), Item(busy, live: false)], CancellationToken.None);
        await _queue.EnqueueManyAsync([Item(other, live: false)], CancellationToken.None);

        var whileBusy = await _queue.PickManyAsync(Pool, "test", 2, passOver: [busy]);
        var nothingElse = await _queue.PickManyAsync(Pool, "test", 2, passOver: [busy]);
        var afterwards = await _queue.PickManyAsync(Pool, "test", 2);

        Assert.Equal(other, Assert.Single(whileBusy).TenantId);
        Assert.Empty(nothingElse); // the worker's kept slot stays free for someone else
        Assert.Equal(2, afterwards.Count(e => e.TenantId == busy));
    }

    [Fact]
    public async Task APassedOverTenantsStreamIsLeftForAnotherWorker()
    {
        Guid busy = Guid.NewGuid(), other = Guid.NewGuid();
        var stream = Item(busy, live: true);
        await _queue.EnqueueManyAsync([stream], CancellationToken.None);
        await _queue.EnqueueManyAsync([Item(other, live: false)], CancellationToken.None);

        var here = await _queue.PickManyAsync(Pool, "test", 2, passOver: [busy]);
        var elsewhere = await _queue.PickManyAsync(Pool, "another-worker", 2);

        Assert.Equal(other, Assert.Single(here).TenantId);
        Assert.Equal(stream.JobId, Assert.Single(elsewhere).JobId);
    }

    private async Task<List<QueueEntry>> PickAsync(int count)
    {
        var picked = new List<QueueEntry>();
        for (int round = 0; round < 3 && picked.Count < count; round++)
        {
            picked.AddRange(await _queue.PickManyAsync(Pool, "test", count - picked.Count));
        }
        return picked;
    }

    private const string Pool = "share";

    private static JobQueue.Item Item(Guid tenant, bool live) => new(Pool, Guid.NewGuid(), tenant, 1, null, live);
}
