using System.Globalization;
using StackExchange.Redis;

namespace Voice.Core.Jobs;

/// <summary>
/// Live task events over Redis pub/sub (one channel per task), and the running job's progress. Both are
/// best-effort views of the ledger: a subscriber that misses a message re-reads the status, and progress is
/// kept for a day at most.
/// </summary>
public sealed class JobEvents(IConnectionMultiplexer redis)
{
    private static readonly TimeSpan ProgressLifetime = TimeSpan.FromDays(1);

    /// <summary>Where the API asks workers to stop a running job (at most once; the ledger flag backs it up).</summary>
    public static readonly RedisChannel CancelChannel = RedisChannel.Literal("voice:cancel");

    public static RedisChannel Channel(Guid taskId) => RedisChannel.Literal($"voice:task:{taskId:N}");

    private static RedisKey ProgressKey(Guid taskId) => $"{{voice}}:progress:{taskId:N}";

    public Task PublishAsync(TaskEvent taskEvent) =>
        redis.GetSubscriber().PublishAsync(Channel(taskEvent.TaskId), taskEvent.ToJson());

    public async Task ReportProgressAsync(Guid taskId, double fraction)
    {
        fraction = Math.Clamp(fraction, 0, 1);
        await redis.GetDatabase().StringSetAsync(ProgressKey(taskId), fraction.ToString("0.###", CultureInfo.InvariantCulture), ProgressLifetime).ConfigureAwait(false);
        await PublishAsync(new TaskEvent(TaskEvent.ProgressMade, taskId, JobStatus.Running, DateTimeOffset.UtcNow, Progress: fraction)).ConfigureAwait(false);
    }

    public async Task<double?> GetProgressAsync(Guid taskId)
    {
        var value = await redis.GetDatabase().StringGetAsync(ProgressKey(taskId)).ConfigureAwait(false);
        return value.HasValue && double.TryParse(value.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var fraction) ? fraction : null;
    }

    public Task RequestCancelAsync(Guid taskId) => redis.GetSubscriber().PublishAsync(CancelChannel, taskId.ToString("N"));

    /// <summary>Subscribes to a task's events; dispose the queue to unsubscribe.</summary>
    public Task<ChannelMessageQueue> SubscribeAsync(Guid taskId) => redis.GetSubscriber().SubscribeAsync(Channel(taskId));
}
