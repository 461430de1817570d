using System.Threading.Channels;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Voice.Core.Jobs;
using Voice.Speech.Engines;
using Voice.Worker.Hosting;
using Voice.Worker.Jobs;

namespace Voice.Worker.Queue;

/// <summary>
/// Pulls its pool's work with <see cref="WorkerOptions.Concurrency"/> slots. Each slot takes entries the reclaimer found
/// first (other workers' abandoned jobs), then new ones by the queue's fair pick, up to the engine's batch
/// size; an idle slot sleeps until the producers' wake-up message or the poll interval. A tenant holds at most
/// <see cref="WorkerOptions.TenantSlotLimit"/> slots: its lane is passed over while it does (picks are serialised, so two
/// slots cannot both take it at the last moment). On shutdown the slots
/// stop taking work and running jobs get <see cref="WorkerOptions.ShutdownGrace"/> to finish before they are
/// handed back to the queue.
/// </summary>
public sealed partial class JobConsumer(
    JobQueue queue,
    WorkerPool pool,
    JobRunner runner,
    LiveJobs live,
    ISpeechEngine engine,
    EngineWarmup warmup,
    IConnectionMultiplexer redis,
    WorkerTelemetry telemetry,
    IOptions<WorkerOptions> options,
    ILogger<JobConsumer> logger) : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private readonly Channel<QueueEntry> _reclaimed = Channel.CreateBounded<QueueEntry>(64);
    private readonly CancellationTokenSource _hardStop = new();
    private readonly SemaphoreSlim _picking = new(1, 1);
    private readonly Dictionary<Guid, int> _slotsHeld = []; // under _picking

    public string Consumer { get; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await warmup.RunAsync(stoppingToken);
        var subscriber = redis.GetSubscriber();
        var wake = new QueueKeys(pool.Name).WakeChannel;
        await subscriber.SubscribeAsync(wake, (_, _) => _wake.Release());
        using var grace = stoppingToken.Register(() => _hardStop.CancelAfter(options.Value.ShutdownGrace));
        LogStarted(logger, Consumer, pool.Name, engine.Name, engine.Model, options.Value.Concurrency, engine.Capabilities.MaxBatchSize);
        try
        {
            var slots = Enumerable.Range(0, options.Value.Concurrency).Select(_ => RunSlotAsync(stoppingToken)).ToList();
            slots.Add(ReclaimLoopAsync(stoppingToken));
            await Task.WhenAll(slots);
            await live.WhenIdleAsync(); // live jobs run beside the slots, under the same grace
        }
        finally
        {
            await subscriber.UnsubscribeAsync(wake);
        }
    }

    private async Task RunSlotAsync(CancellationToken stoppingToken)
    {
        int batchSize = Math.Max(1, engine.Capabilities.MaxBatchSize);
        var entries = new List<QueueEntry>(batchSize);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                entries.Clear();
                while (entries.Count < batchSize && _reclaimed.Reader.TryRead(out var reclaimed))
                {
                    entries.Add(reclaimed);
                }
                var tenants = await PickAsync(entries, batchSize, stoppingToken);
                if (entries.Count == 0)
                {
                    await _wake.WaitAsync(options.Value.IdlePoll, stoppingToken);
                    continue;
                }
                telemetry.BusySlots.Add(1, telemetry.Pool);
                try
                {
                    await runner.RunAsync([.. entries], Consumer, _hardStop.Token);
                }
                finally
                {
                    telemetry.BusySlots.Add(-1, telemetry.Pool);
                    await ReleaseSlotsAsync(tenants);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is RedisException or Npgsql.NpgsqlException or TimeoutException)
            {
                // Infrastructure hiccup: whatever was taken stays pending and is reclaimed; back off and carry on.
                LogInfrastructureError(logger, ex);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    /// <summary>Fills the batch by the queue's fair pick, passing over tenants at their slot limit; the tenants whose slot this now is.</summary>
    private async Task<IReadOnlyList<Guid>> PickAsync(List<QueueEntry> entries, int batchSize, CancellationToken stoppingToken)
    {
        await _picking.WaitAsync(stoppingToken);
        try
        {
            if (entries.Count < batchSize)
            {
                var passOver = _slotsHeld.Where(h => h.Value >= options.Value.TenantSlotLimit).Select(h => h.Key).ToList();
                entries.AddRange(await queue.PickManyAsync(pool.Name, Consumer, batchSize - entries.Count, passOver));
            }
            var tenants = entries.Select(e => e.TenantId).Distinct().ToList();
            foreach (var tenant in tenants)
            {
                _slotsHeld[tenant] = _slotsHeld.GetValueOrDefault(tenant) + 1;
            }
            return tenants;
        }
        finally
        {
            _picking.Release();
        }
    }

    private async Task ReleaseSlotsAsync(IReadOnlyList<Guid> tenants)
    {
        await _picking.WaitAsync(CancellationToken.None);
        try
        {
            foreach (var tenant in tenants)
            {
                if (--_slotsHeld[tenant] == 0)
                {
                    _slotsHeld.Remove(tenant);
                }
            }
        }
        finally
        {
            _picking.Release();
        }
    }

    /// <summary>Takes over entries whose consumer stopped heart-beating (crashed or stuck) once they pass the visibility timeout.</summary>
    private async Task ReclaimLoopAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ReclaimInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                if (_reclaimed.Reader.Count > 0)
                {
                    continue; // still working through the last haul
                }
                foreach (var entry in await queue.ReclaimAsync(pool.Name, Consumer, options.Value.Concurrency * 2))
                {
                    await _reclaimed.Writer.WriteAsync(entry, stoppingToken);
                    telemetry.Reclaimed.Add(1);
                    _wake.Release();
                }
                telemetry.Observe(await queue.StatsAsync(pool.Name));
            }
            catch (Exception ex) when (RedisFaults.IsTransient(ex))
            {
                LogInfrastructureError(logger, ex);
            }
        }
    }

    public override void Dispose()
    {
        _wake.Dispose();
        _hardStop.Dispose();
        _picking.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {Consumer} consuming pool {Pool} with engine {Engine} ({Model}), {Slots} slots, batches of up to {BatchSize}")]
    private static partial void LogStarted(ILogger logger, string consumer, string pool, string engine, string model, int slots, int batchSize);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue or ledger unavailable; retrying")]
    private static partial void LogInfrastructureError(ILogger logger, Exception exception);
}
