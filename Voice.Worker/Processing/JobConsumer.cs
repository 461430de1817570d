using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Voice.Core.Jobs;
using Voice.Speech.Engines;

namespace Voice.Worker.Processing;

/// <summary>
/// Pulls jobs from the stream's consumer group with <see cref="WorkerOptions.Concurrency"/> slots. An idle
/// slot sleeps until the producers' wake-up message (or the poll interval), so an idle worker costs one
/// read per second and a new job starts within milliseconds.
/// </summary>
public sealed partial class JobConsumer(
    JobQueue queue,
    JobRunner runner,
    ISpeechEngine engine,
    IConnectionMultiplexer redis,
    IOptions<WorkerOptions> options,
    ILogger<JobConsumer> logger) : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private readonly string _consumer = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await engine.WarmUpAsync(stoppingToken);
        await queue.EnsureConsumerGroupAsync();
        var subscriber = redis.GetSubscriber();
        await subscriber.SubscribeAsync(JobQueue.WakeChannel, (_, _) => _wake.Release());
        LogStarted(logger, _consumer, engine.Name, engine.Model, options.Value.Concurrency);

        try
        {
            var slots = Enumerable.Range(0, options.Value.Concurrency).Select(_ => RunSlotAsync(stoppingToken));
            await Task.WhenAll(slots);
        }
        finally
        {
            await subscriber.UnsubscribeAsync(JobQueue.WakeChannel);
        }
    }

    private async Task RunSlotAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var entries = await queue.ReadAsync(_consumer, count: 1);
                if (entries.Count == 0)
                {
                    await _wake.WaitAsync(options.Value.IdlePoll, stoppingToken);
                    continue;
                }
                foreach (var entry in entries)
                {
                    // A job in progress finishes even when shutdown begins (within the host's shutdown timeout).
                    await runner.RunAsync(entry, CancellationToken.None);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is RedisException or Npgsql.NpgsqlException or TimeoutException)
            {
                // Infrastructure hiccup: the entry stays pending; back off and carry on.
                LogInfrastructureError(logger, ex);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {Consumer} consuming with engine {Engine} ({Model}), {Slots} slots")]
    private static partial void LogStarted(ILogger logger, string consumer, string engine, string model, int slots);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue or ledger unavailable; retrying")]
    private static partial void LogInfrastructureError(ILogger logger, Exception exception);
}
