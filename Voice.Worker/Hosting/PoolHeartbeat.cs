using Microsoft.Extensions.Options;
using Voice.Core.Pools;
using Voice.Speech.Engines;
using Voice.Core.Jobs;

namespace Voice.Worker.Hosting;

/// <summary>
/// Announces this worker's pool with what its loaded engine can do, every few seconds once the engine is warm, and
/// withdraws it on a clean stop. An announcement outlives three missed beats, so a dead worker leaves the list
/// within <see cref="Lifetime"/>.
/// </summary>
public sealed partial class PoolHeartbeat(
    PoolRegistry registry,
    ISpeechEngine engine,
    EngineWarmup warmup,
    WorkerPool pool,
    ILogger<PoolHeartbeat> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan Lifetime = Interval * 3;

    private readonly string _worker = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await warmup.Warmed.WaitAsync(stoppingToken); // a pool is live only once it can speak
        var announcement = Describe();
        using var timer = new PeriodicTimer(Interval);
        try
        {
            do
            {
                try
                {
                    await registry.AnnounceAsync(announcement, _worker, Lifetime);
                }
                catch (Exception ex) when (RedisFaults.IsTransient(ex))
                {
                    LogAnnounceFailed(logger, announcement.Name, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await WithdrawAsync(announcement.Name);
        }
    }

    private PoolAnnouncement Describe()
    {
        var capabilities = engine.Capabilities;
        return new PoolAnnouncement(pool.Name, engine.Name, engine.Model,
            [.. capabilities.Modes.Select(m => m.ToString().ToLowerInvariant())], capabilities.Languages,
            capabilities.SampleRate, capabilities.MaxBatchSize, capabilities.Streaming, capabilities.WordTimestamps, capabilities.RequiresGpu,
            capabilities.MaxTextLength, capabilities.Fidelity, capabilities.SpeedControl, pool.ScalesToZero);
    }

    private async Task WithdrawAsync(string pool)
    {
        try
        {
            await registry.WithdrawAsync(pool, _worker);
        }
        catch (Exception ex) when (RedisFaults.IsTransient(ex))
        {
            LogAnnounceFailed(logger, pool, ex); // the announcement expires by itself
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not announce pool {Pool}; retrying on the next beat")]
    private static partial void LogAnnounceFailed(ILogger logger, string pool, Exception exception);
}
