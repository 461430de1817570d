using Voice.Core.Jobs;

namespace Voice.Worker.Queue;

/// <summary>
/// Keeps a running batch's entries this consumer's: each is heart-beaten every third of the visibility timeout,
/// so no other worker reclaims a job that is still making progress.
/// </summary>
public sealed partial class EntryHeartbeats(JobQueue queue, ILogger<EntryHeartbeats> logger)
{
    /// <summary>Starts beating for the entries; disposing the result stops it.</summary>
    public IDisposable Start(IReadOnlyList<QueueEntry> entries, string consumer) =>
        new Timer(_ => _ = BeatAsync(entries, consumer), null, queue.VisibilityTimeout / 3, queue.VisibilityTimeout / 3);

    private async Task BeatAsync(IReadOnlyList<QueueEntry> entries, string consumer)
    {
        foreach (var entry in entries)
        {
            try
            {
                await queue.HeartbeatAsync(entry, consumer).ConfigureAwait(false);
            }
            catch (Exception ex) when (RedisFaults.IsTransient(ex))
            {
                LogHeartbeatFailed(logger, entry.JobId, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Heartbeat for job {JobId} failed")]
    private static partial void LogHeartbeatFailed(ILogger logger, Guid jobId, Exception exception);
}
