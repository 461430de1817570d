using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Voice.ApiService.Security;

/// <summary>
/// Slows down credential guessing: failed authentications and logins are counted per source address in a
/// one-minute window shared by every API replica (Redis). Past the limit the address gets 429 until the
/// window ends, answered from memory, so a flood of bad keys never reaches the database.
/// </summary>
public sealed class AuthFailureLimiter(IConnectionMultiplexer redis, TimeProvider clock, IOptions<SecurityOptions> options)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private const string CountScript = "local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end return n";

    private readonly ConcurrentDictionary<IPAddress, DateTimeOffset> _blocked = new();
    private readonly int _limit = options.Value.AuthFailuresPerMinute;

    /// <summary>How long the address must wait, or null when it may try.</summary>
    public TimeSpan? RetryAfter(IPAddress? address)
    {
        if (address is null || !_blocked.TryGetValue(address, out var until))
        {
            return null;
        }
        var left = until - clock.GetUtcNow();
        if (left <= TimeSpan.Zero)
        {
            _blocked.TryRemove(address, out _);
            return null;
        }
        return left;
    }

    /// <summary>Counts a failure; returns how long to wait if this one crossed the limit.</summary>
    public async Task<TimeSpan?> RecordFailureAsync(IPAddress? address)
    {
        if (address is null)
        {
            return null;
        }
        var now = clock.GetUtcNow();
        long window = now.ToUnixTimeSeconds() / (long)Window.TotalSeconds;
        var key = (RedisKey)$"voice:auth-failures:{address}:{window}";
        long count = (long)await redis.GetDatabase().ScriptEvaluateAsync(CountScript, [key], [(int)Window.TotalSeconds * 2]);
        if (count <= _limit)
        {
            return null;
        }
        var until = DateTimeOffset.FromUnixTimeSeconds((window + 1) * (long)Window.TotalSeconds);
        _blocked[address] = until;
        return until - now;
    }
}
