using System.Diagnostics;
using StackExchange.Redis;

namespace Voice.Core.Jobs;

/// <summary>A delivered queue entry: which job, whose, and the trace it belongs to.</summary>
public sealed record QueueEntry(RedisValue EntryId, Guid JobId, Guid TenantId, ActivityContext TraceParent);

/// <summary>
/// Delivery of jobs through a Redis Stream read by a consumer group. Postgres holds the truth; an entry
/// only says "job X is ready". Producers publish on a wake channel after each add so idle workers react at
/// once instead of polling hard (StackExchange.Redis does not issue blocking stream reads).
/// </summary>
public sealed class JobQueue(IConnectionMultiplexer redis)
{
    public const string StreamKey = "voice:jobs";
    public const string ConsumerGroup = "voice-workers";
    public static readonly RedisChannel WakeChannel = RedisChannel.Literal("voice:jobs:wake");

    private IDatabase Db => redis.GetDatabase();

    public async Task EnqueueAsync(Guid jobId, Guid tenantId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        NameValueEntry[] fields =
        [
            new("job", jobId.ToString("N")),
            new("tenant", tenantId.ToString("N")),
            new("traceparent", Activity.Current?.Id ?? string.Empty),
        ];
        await Db.StreamAddAsync(StreamKey, fields).ConfigureAwait(false);
        await Db.PublishAsync(WakeChannel, "1", CommandFlags.FireAndForget).ConfigureAwait(false);
    }

    public async Task EnsureConsumerGroupAsync()
    {
        try
        {
            await Db.StreamCreateConsumerGroupAsync(StreamKey, ConsumerGroup, StreamPosition.Beginning, createStream: true).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
            // The group exists: another worker created it first.
        }
    }

    /// <summary>Reads up to <paramref name="count"/> new entries for <paramref name="consumer"/>.</summary>
    public async Task<IReadOnlyList<QueueEntry>> ReadAsync(string consumer, int count)
    {
        var entries = await Db.StreamReadGroupAsync(StreamKey, ConsumerGroup, consumer, StreamPosition.NewMessages, count).ConfigureAwait(false);
        var result = new List<QueueEntry>(entries.Length);
        foreach (var entry in entries)
        {
            if (!Guid.TryParse(entry["job"].ToString(), out var jobId) || !Guid.TryParse(entry["tenant"].ToString(), out var tenantId))
            {
                // Not ours or corrupt: acknowledge so it is not redelivered forever.
                await AcknowledgeAsync(entry.Id).ConfigureAwait(false);
                continue;
            }
            ActivityContext.TryParse(entry["traceparent"].ToString(), null, out var parent);
            result.Add(new QueueEntry(entry.Id, jobId, tenantId, parent));
        }
        return result;
    }

    public Task AcknowledgeAsync(RedisValue entryId) => Db.StreamAcknowledgeAsync(StreamKey, ConsumerGroup, entryId);
}
