using Voice.Audio;

namespace Voice.Worker.Settlement;

/// <summary>
/// What a tenant is told of a failed attempt: a stable code, never an exception's text or type (they can carry
/// hosts, paths and internals). The exception itself goes to the log and, for operators, to the dead letter.
/// </summary>
public static class AttemptErrors
{
    public static string Code(Exception ex) => ex switch
    {
        StackExchange.Redis.RedisException => "queue_unavailable",
        Npgsql.NpgsqlException => "database_unavailable",
        Azure.RequestFailedException => "storage_unavailable",
        TimeoutException or OperationCanceledException => "timeout",
        AudioProblemException => "audio_error",
        _ => "engine_error",
    };
}
