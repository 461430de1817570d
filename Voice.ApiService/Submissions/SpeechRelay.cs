using System.Diagnostics;
using System.Text.Json.Nodes;
using Voice.ApiService.Model;
using Voice.ApiService.Services;
using Voice.Core.Jobs;
using Voice.Core.Storage;

namespace Voice.ApiService.Submissions;

/// <summary>
/// Relays a streaming speech job's audio to the client that submitted it, chunk by chunk as the worker publishes
/// it (<see cref="SpeechFeed"/>). A client that goes away, or a wait past <see cref="MaxWait"/>, cancels the job.
/// </summary>
public sealed class SpeechRelay(JobStore jobs, JobQueue queue, SpeechFeed feed, BlobStore blobs)
{
    public static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(5);

    /// <summary>Streams the accepted job's audio into <paramref name="sink"/>; <paramref name="arrived"/> is when the request came in.</summary>
    public async Task StreamAsync(HttpContext context, Guid tenantId, Guid jobId, SpeechSink sink, long arrived)
    {
        bool finished = false;
        try
        {
            finished = await RelayAsync(context, tenantId, jobId, sink, arrived);
        }
        finally
        {
            ApiMetrics.SpeechStreams.Add(1, new KeyValuePair<string, object?>("outcome", finished ? "finished" : "abandoned"));
            if (!finished)
            {
                // The client went away, or the wait ran out: nobody will hear this job, so it stops.
                await jobs.CancelAsync(tenantId, jobId, queue, CancellationToken.None);
                if (!context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted)
                {
                    await Problems.Create(StatusCodes.Status504GatewayTimeout, Problems.Internal, "The speech took too long.",
                        "The request was canceled; try a shorter input.").ExecuteAsync(context);
                }
            }
        }
    }

    /// <summary>
    /// Relays the job's audio from its speech stream as the worker publishes it, into <paramref name="sink"/>:
    /// it starts with the first chunk, each chunk goes out at once, the end entry ends it. True when the job
    /// ended (whatever its outcome), false when the client left or <see cref="MaxWait"/> passed first.
    /// </summary>
    private async Task<bool> RelayAsync(HttpContext context, Guid tenantId, Guid jobId, SpeechSink sink, long arrived)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline.CancelAfter(MaxWait);
        try
        {
            int? epoch = null;
            await foreach (var entry in feed.ReadAsync(tenantId, jobId, deadline.Token))
            {
                if (entry.Kind == SpeechFeed.Vanished)
                {
                    if (sink.Started && sink is not SseSink)
                    {
                        context.Abort(); // part of the audio is missing, and raw audio cannot say so
                    }
                    else
                    {
                        await FinishAsync(context, tenantId, jobId, sink);
                    }
                    return true;
                }
                if (epoch != entry.Epoch)
                {
                    if (sink.Started)
                    {
                        context.Abort(); // a retry starts over; its audio cannot be spliced onto what was sent
                        return true;
                    }
                    epoch = entry.Epoch;
                }
                if (entry.IsEnd)
                {
                    await FinishAsync(context, tenantId, jobId, sink);
                    return true;
                }
                if (!sink.Started)
                {
                    sink.Start();
                }
                if (entry.Kind == SpeechStreamEntry.WordsKind)
                {
                    await sink.WordsAsync(WordTimestamps.FromJson(entry.Words!), deadline.Token);
                    continue;
                }
                if (!sink.AudioSent)
                {
                    ApiMetrics.SpeechFirstAudio.Record(Stopwatch.GetElapsedTime(arrived).TotalSeconds);
                }
                await sink.AudioAsync(entry.Audio, deadline.Token);
            }
            return true; // the feed ends only after an end
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// The job has ended. Completed: the sink finishes (a job that streamed nothing sends its stored audio
    /// first). Otherwise: the error, as a problem if nothing was sent yet, else as the sink can say it.
    /// </summary>
    private async Task FinishAsync(HttpContext context, Guid tenantId, Guid jobId, SpeechSink sink)
    {
        var job = (await jobs.GetAsync(tenantId, jobId, CancellationToken.None))!;
        if (job is { Status: JobStatus.Completed, Result: { } audio })
        {
            if (!sink.AudioSent && await blobs.OpenReadAsync(tenantId, audio.BlobPath, CancellationToken.None) is { } stream)
            {
                await using (stream)
                {
                    using var buffer = new MemoryStream();
                    await stream.CopyToAsync(buffer, context.RequestAborted);
                    if (!sink.Started)
                    {
                        sink.Start();
                    }
                    await sink.AudioAsync(buffer.ToArray(), context.RequestAborted);
                }
            }
            if (sink.Started)
            {
                // Words the stream did not carry (its publishing failed) come from the ledger.
                if (job.Spec.WordTimestamps && await jobs.GetWordsAsync(tenantId, jobId, CancellationToken.None) is { } words)
                {
                    await sink.WordsAsync([.. words.Where(w => w.StartChar >= sink.WordsEnd)], context.RequestAborted);
                }
                await sink.DoneAsync(job, context.RequestAborted);
                return;
            }
        }
        string detail = job.Error is { } error && JsonNode.Parse(error)?["detail"]?.GetValue<string>() is { } d ? d : $"The speech job ended {job.Status}.";
        if (sink.Started)
        {
            await sink.FailAsync(detail, context.RequestAborted);
            return;
        }
        await Problems.Create(StatusCodes.Status500InternalServerError, Problems.Internal, "The speech could not be made.", detail).ExecuteAsync(context);
    }
}
