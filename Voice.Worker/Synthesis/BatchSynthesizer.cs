using System.Diagnostics;
using Microsoft.Extensions.Options;
using Voice.Audio;
using Voice.Core.Jobs;
using Voice.Speech.Engines;
using Voice.Worker.Claiming;
using Voice.Worker.Hosting;
using Voice.Worker.Jobs;

namespace Voice.Worker.Synthesis;

/// <summary>
/// Runs the engine for a batch of compatible jobs: one job alone streams with its own cancellation; several share
/// one forward pass. Each job's audio lands in its <see cref="SynthesisSession"/>.
/// </summary>
public sealed class BatchSynthesizer(ISpeechEngine engine, JobEvents events, SpeechStreams streams, WorkerTelemetry telemetry, ILogger<LiveStream> streamLogger,
    SentenceScheduler scheduler, LiveJobs live, IOptions<WorkerOptions> options)
{
    private static readonly TimeSpan ListenerPoll = TimeSpan.FromMilliseconds(50);

    public SynthesisSession Open(ReadyJob job) =>
        new(job, events, job.Job.Spec.Stream ? new LiveStream(job.Job, engine, streams, streamLogger) : null);

    /// <summary>Synthesises every session's text; returns the error that stopped the batch (then it is every job's), or null.</summary>
    public async Task<Exception?> SynthesizeAsync(IReadOnlyList<SynthesisSession> batch, CancellationToken hardStop)
    {
        using var span = WorkerTelemetry.Source.StartActivity("speech.synthesize");
        span?.SetTag("voice.engine", engine.Name);
        span?.SetTag("voice.model", engine.Model);
        span?.SetTag("voice.characters", batch.Sum(s => s.Job.Spec.Text.Length));
        var started = Stopwatch.GetTimestamp();
        Exception? error = null;
        try
        {
            if (batch.Count == 1)
            {
                await SynthesizeOneAsync(batch[0], started, hardStop).ConfigureAwait(false);
            }
            else
            {
                // One forward pass for all; a job canceled meanwhile just stops collecting its chunks.
                await foreach (var (index, chunk) in engine.SynthesizeBatchAsync([.. batch.Select(s => s.Ready.Request)], hardStop).ConfigureAwait(false))
                {
                    if (!batch[index].IsCanceled)
                    {
                        await batch[index].AcceptAsync(chunk).ConfigureAwait(false);
                    }
                }
            }
            foreach (var session in batch)
            {
                await session.FinishAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            error = ex;
        }
        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        double audio = batch.Sum(s => s.SampleCount) / (double)AudioFormat.PlatformSampleRate;
        if (audio > 0)
        {
            telemetry.RealTimeFactor.Record(seconds / audio, new KeyValuePair<string, object?>("engine", engine.Name));
        }
        return error;
    }

    /// <summary>
    /// One job with its own cancellation; a dialogue turn after turn, each in its own voice. A live job where the engine
    /// makes one sentence per chunk takes each sentence in its turn (<see cref="SentenceScheduler"/>), and only while its
    /// listener has room for it.
    /// </summary>
    private async Task SynthesizeOneAsync(SynthesisSession session, long started, CancellationToken hardStop)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(hardStop, session.Cancel.Token);
        bool inTurns = session.IsLive && live.Interleaves, paced = inTurns;
        using var entered = inTurns ? scheduler.Enter(session.Job.TenantId) : null;
        bool first = true;
        int parts = session.Ready.Turns?.Count ?? 1;
        for (int part = 0; part < parts; part++)
        {
            var request = session.Ready.Turns is null ? session.Ready.Request : session.BeginTurn(part);
            await using var chunks = engine.SynthesizeAsync(request, linked.Token).GetAsyncEnumerator(linked.Token);
            while (true)
            {
                paced = paced && await session.WaitForListenerAsync(options.Value.LiveSentencesAhead, ListenerPoll, options.Value.LiveStallLimit, linked.Token).ConfigureAwait(false);
                // The turn covers making the sentence and encoding and publishing it: both are the CPU a listener waits for.
                using var turn = inTurns ? await scheduler.TurnAsync(session.Job.TenantId, first, linked.Token).ConfigureAwait(false) : null;
                if (!await chunks.MoveNextAsync().ConfigureAwait(false))
                {
                    break;
                }
                if (first)
                {
                    first = false;
                    telemetry.FirstChunk.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("engine", engine.Name));
                }
                await session.AcceptAsync(chunks.Current).ConfigureAwait(false);
            }
        }
    }
}
