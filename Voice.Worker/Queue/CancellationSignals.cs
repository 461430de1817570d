using System.Collections.Concurrent;
using StackExchange.Redis;
using Voice.Core.Jobs;

namespace Voice.Worker.Queue;

/// <summary>
/// Running jobs' cancellation sources, triggered by the API's cancel messages. A lost message only delays
/// the stop: the ledger's cancel flag makes the completion fail and the job is then marked canceled.
/// </summary>
public sealed class CancellationSignals(IConnectionMultiplexer redis) : IHostedService
{
    private readonly ConcurrentDictionary<Guid, CancellationTokenSource> _running = new();

    public IDisposable Register(Guid jobId, CancellationTokenSource source)
    {
        _running[jobId] = source;
        return new Registration(() => _running.TryRemove(new KeyValuePair<Guid, CancellationTokenSource>(jobId, source)));
    }

    public Task StartAsync(CancellationToken cancellationToken) =>
        redis.GetSubscriber().SubscribeAsync(JobEvents.CancelChannel, (_, message) =>
        {
            if (Guid.TryParseExact(message.ToString(), "N", out var jobId) && _running.TryGetValue(jobId, out var source))
            {
                source.Cancel();
            }
        });

    public Task StopAsync(CancellationToken cancellationToken) => redis.GetSubscriber().UnsubscribeAsync(JobEvents.CancelChannel);

    private sealed class Registration(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
