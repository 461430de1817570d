using System.Runtime.CompilerServices;
using StackExchange.Redis;
using Voice.Core.Jobs;

namespace Voice.ApiService.Submissions;

/// <summary>
/// A streaming job's speech stream as its worker publishes it (<see cref="SpeechStreams"/>): entries oldest first through
/// the end entry, waiting on the stream's announcements rather than polling, and looking at the ledger now and then in
/// case the job ended without a stream (its worker could not publish): then a last entry of kind <see cref="Vanished"/>.
/// Entries carry their claim's epoch; a reader that already passed audio on decides what a new epoch (a retry) means.
/// Before each read it marks how far it has passed entries on, which paces the worker: a listener who stops reading
/// stops the feed here, and the worker makes only a few sentences past the mark.
/// </summary>
public sealed class SpeechFeed(JobStore jobs, SpeechStreams streams)
{
    /// <summary>The kind of the entry that ends the feed of a job that ended without an end entry.</summary>
    public const string Vanished = "vanished";

    private static readonly TimeSpan LedgerLook = TimeSpan.FromSeconds(2);

    public async IAsyncEnumerable<SpeechStreamEntry> ReadAsync(Guid tenantId, Guid jobId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Subscribed before the first read, so no announcement falls between.
        var announcements = await streams.SubscribeAsync(jobId);
        try
        {
            RedisValue after = "0-0", marked = after;
            while (true)
            {
                if (after != marked)
                {
                    // Everything up to here was passed on: the worker may make more (it makes only so much ahead).
                    await streams.MarkReadAsync(jobId, after);
                    marked = after;
                }
                var entries = await streams.ReadAsync(jobId, after, 64);
                foreach (var entry in entries)
                {
                    after = entry.Id;
                    yield return entry;
                    if (entry.IsEnd)
                    {
                        yield break;
                    }
                }
                if (entries.Count == 0 && !await AnnouncedAsync(announcements, cancellationToken) && await EndedWithoutStreamAsync(tenantId, jobId, after))
                {
                    yield return new SpeechStreamEntry(after, -1, Vanished, ReadOnlyMemory<byte>.Empty, null, null);
                    yield break;
                }
            }
        }
        finally
        {
            await announcements.UnsubscribeAsync();
        }
    }

    /// <summary>Waits for the next announcement; false when none came within <see cref="LedgerLook"/>.</summary>
    private static async Task<bool> AnnouncedAsync(ChannelMessageQueue announcements, CancellationToken cancellationToken)
    {
        using var tick = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        tick.CancelAfter(LedgerLook);
        try
        {
            await announcements.ReadAsync(tick.Token);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task<bool> EndedWithoutStreamAsync(Guid tenantId, Guid jobId, RedisValue after)
    {
        var job = await jobs.GetAsync(tenantId, jobId, CancellationToken.None);
        bool ended = job is null || job.Status is not (JobStatus.Queued or JobStatus.Running);
        return ended && (await streams.ReadAsync(jobId, after, 1)).Count == 0; // and it did not publish just now
    }
}
