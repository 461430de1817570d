using StackExchange.Redis;

namespace Voice.Core.Jobs;

/// <summary>
/// One entry of a job's speech stream: encoded audio, word timestamps (in <see cref="WordTimestamps"/>'s JSON),
/// or the end with the job's outcome.
/// </summary>
public sealed record SpeechStreamEntry(RedisValue Id, int Epoch, string Kind, ReadOnlyMemory<byte> Audio, string? Words, string? Outcome)
{
    public const string AudioKind = "audio";
    public const string WordsKind = "words";
    public const string EndKind = "end";

    public bool IsEnd => Kind == EndKind;
}

/// <summary>
/// The encoded audio of a streaming job, chunk by chunk as the worker makes it, on a short-lived Redis stream
/// per job (<c>{voice}:speech:&lt;id&gt;</c>), each append announced on a channel so the relaying request
/// waits instead of polling. Entries carry the claim's epoch: a retried job starts a new epoch from the start,
/// which a relay that already sent audio must not splice in. The end entry carries the outcome (completed,
/// failed, canceled) and is written after the ledger settled the job.
/// </summary>
public sealed class SpeechStreams(IConnectionMultiplexer redis)
{
    /// <summary>How long a stream outlives its last append.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    public static RedisKey Key(Guid jobId) => $"{{voice}}:speech:{jobId:N}";

    public static RedisChannel Channel(Guid jobId) => RedisChannel.Literal($"voice:speech:{jobId:N}");

    private static readonly LuaScript Append = LuaScript.Prepare("""
        local id = redis.call('XADD', @key, '*', 'epoch', @epoch, 'kind', @kind, 'data', @data)
        redis.call('PEXPIRE', @key, @ttl)
        redis.call('PUBLISH', @channel, id)
        return id
        """);

    /// <summary>Where the job's listener has read up to (<see cref="MarkReadAsync"/>): the worker makes only so much ahead of it.</summary>
    public static RedisKey ReadKey(Guid jobId) => $"{{voice}}:speech:{jobId:N}:read";

    /// <summary>Appends audio; returns its entry's id.</summary>
    public async Task<RedisValue> PublishAudioAsync(Guid jobId, int epoch, ReadOnlyMemory<byte> audio) =>
        (RedisValue)(await AppendAsync(jobId, epoch, SpeechStreamEntry.AudioKind, audio.ToArray()).ConfigureAwait(false));

    /// <summary>The listener has taken every entry up to <paramref name="upTo"/> (sent without waiting: it only paces the worker).</summary>
    public Task MarkReadAsync(Guid jobId, RedisValue upTo) =>
        redis.GetDatabase().StringSetAsync(ReadKey(jobId), upTo, Lifetime, flags: CommandFlags.FireAndForget);

    /// <summary>The last entry the listener took; null when it took none yet.</summary>
    public async Task<RedisValue> ReadMarkAsync(Guid jobId) => await redis.GetDatabase().StringGetAsync(ReadKey(jobId)).ConfigureAwait(false);

    /// <summary>Word timestamps that became known (after the audio that speaks them was published).</summary>
    public Task PublishWordsAsync(Guid jobId, int epoch, IReadOnlyList<WordTimestamp> words) => AppendAsync(jobId, epoch, SpeechStreamEntry.WordsKind, WordTimestamps.ToJson(words));

    public Task PublishEndAsync(Guid jobId, int epoch, string outcome) => AppendAsync(jobId, epoch, SpeechStreamEntry.EndKind, outcome);

    private Task<RedisResult> AppendAsync(Guid jobId, int epoch, string kind, RedisValue data) =>
        redis.GetDatabase().ScriptEvaluateAsync(Append, new
        {
            key = Key(jobId),
            epoch,
            kind,
            data,
            ttl = (long)Lifetime.TotalMilliseconds,
            channel = Channel(jobId).ToString(), // an argument, not a key: channels live outside the keyspace
        });

    /// <summary>Announcements of new entries; subscribe before the first read so none falls between.</summary>
    public Task<ChannelMessageQueue> SubscribeAsync(Guid jobId) => redis.GetSubscriber().SubscribeAsync(Channel(jobId));

    /// <summary>Entries after <paramref name="after"/> (<c>0-0</c>: from the start), oldest first.</summary>
    public async Task<IReadOnlyList<SpeechStreamEntry>> ReadAsync(Guid jobId, RedisValue after, int count)
    {
        var entries = await redis.GetDatabase().StreamReadAsync(Key(jobId), after, count).ConfigureAwait(false);
        return [.. entries.Select(e =>
        {
            string kind = e["kind"].ToString();
            var data = e["data"];
            return kind == SpeechStreamEntry.AudioKind
                ? new SpeechStreamEntry(e.Id, (int)e["epoch"], kind, (byte[])data!, null, null)
                : new SpeechStreamEntry(e.Id, (int)e["epoch"], kind, ReadOnlyMemory<byte>.Empty, kind == SpeechStreamEntry.WordsKind ? data.ToString() : null,
                    kind == SpeechStreamEntry.EndKind ? data.ToString() : null);
        })];
    }
}
