using StackExchange.Redis;

namespace Voice.ApiService.Security;

/// <summary>One limit: at most <see cref="Limit"/> events per <see cref="Window"/> for <see cref="Key"/>.</summary>
public readonly record struct WindowLimit(string Key, TimeSpan Window, int Limit);

/// <summary>
/// Fixed-window counters in Redis, shared by every API replica. A window starts at a multiple of its length, so a
/// counter past its limit unblocks by itself when the window ends: nothing has to be cleared, and no block lasts
/// longer than one window.
/// </summary>
public sealed class WindowCounters(IConnectionMultiplexer redis, TimeProvider clock)
{
    private const string CountScript = "local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end return n";

    /// <summary>Counts one event against every limit; the longest wait among those now past their limit, or null.</summary>
    public async Task<TimeSpan?> CountAsync(params WindowLimit[] limits)
    {
        var now = clock.GetUtcNow();
        var db = redis.GetDatabase();
        var counts = await Task.WhenAll(limits.Select(l =>
            db.ScriptEvaluateAsync(CountScript, [KeyOf(l, now)], [(long)l.Window.TotalSeconds * 2])));
        return LongestWait(limits, now, i => (long)counts[i] > limits[i].Limit);
    }

    /// <summary>The longest wait among limits already used up (the next event would be one too many), or null; counts nothing.</summary>
    public async Task<TimeSpan?> RetryAfterAsync(params WindowLimit[] limits)
    {
        var now = clock.GetUtcNow();
        var values = await redis.GetDatabase().StringGetAsync([.. limits.Select(l => KeyOf(l, now))]);
        return LongestWait(limits, now, i => values[i].TryParse(out long n) && n >= limits[i].Limit);
    }

    /// <summary>When the current window of <paramref name="window"/> ends.</summary>
    public DateTimeOffset WindowEnd(TimeSpan window) => WindowEnd(window, clock.GetUtcNow());

    private static TimeSpan? LongestWait(WindowLimit[] limits, DateTimeOffset now, Func<int, bool> exceeded)
    {
        TimeSpan? wait = null;
        for (int i = 0; i < limits.Length; i++)
        {
            if (exceeded(i))
            {
                var left = WindowEnd(limits[i].Window, now) - now;
                wait = wait is { } w && w > left ? w : left;
            }
        }
        return wait;
    }

    private static long WindowIndex(TimeSpan window, DateTimeOffset now) => now.ToUnixTimeSeconds() / (long)window.TotalSeconds;

    private static DateTimeOffset WindowEnd(TimeSpan window, DateTimeOffset now) =>
        DateTimeOffset.FromUnixTimeSeconds((WindowIndex(window, now) + 1) * (long)window.TotalSeconds);

    private static RedisKey KeyOf(WindowLimit limit, DateTimeOffset now) => $"voice:{limit.Key}:{WindowIndex(limit.Window, now)}";
}
