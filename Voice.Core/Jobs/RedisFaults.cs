using StackExchange.Redis;

namespace Voice.Core.Jobs;

/// <summary>What Redis throws when it is unreachable or restarting, as opposed to a bug.</summary>
public static class RedisFaults
{
    /// <summary>
    /// Redis errors and timeouts, and the <see cref="InvalidOperationException"/> StackExchange.Redis lets out
    /// when a connection drops while a command is being written ("Writing is not allowed after writer was
    /// completed" — seen in the chaos test during a Redis restart).
    /// </summary>
    public static bool IsTransient(Exception ex) =>
        ex is RedisException or TimeoutException
        || ex is InvalidOperationException && ex.StackTrace?.Contains("StackExchange.Redis", StringComparison.Ordinal) == true;
}
