using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;

namespace Voice.ApiService.Security;

/// <summary>
/// Slows down credential guessing: failed authentications and logins are counted per source address (an IPv6 /64
/// counts as one address, <see cref="ClientNetworks"/>) in a one-minute window shared by every API replica (Redis).
/// Past the limit the address gets 429 until the window ends, answered from memory, so a flood of bad keys never
/// reaches the database.
/// </summary>
public sealed class AuthFailureLimiter(WindowCounters counters, TimeProvider clock, IOptions<SecurityOptions> options)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, DateTimeOffset> _blocked = new();
    private readonly int _limit = options.Value.AuthFailuresPerMinute;

    /// <summary>How long the address must wait, or null when it may try.</summary>
    public TimeSpan? RetryAfter(IPAddress? address)
    {
        if (address is null || !_blocked.TryGetValue(ClientNetworks.ThrottleKey(address), out var until))
        {
            return null;
        }
        var left = until - clock.GetUtcNow();
        if (left <= TimeSpan.Zero)
        {
            _blocked.TryRemove(ClientNetworks.ThrottleKey(address), out _);
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
        string network = ClientNetworks.ThrottleKey(address);
        if (await counters.CountAsync(new WindowLimit("auth-failures:" + network, Window, _limit)) is not { } wait)
        {
            return null;
        }
        _blocked[network] = clock.GetUtcNow() + wait;
        return wait;
    }
}
