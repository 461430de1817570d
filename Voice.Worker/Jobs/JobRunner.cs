using System.Diagnostics;
using Voice.Audio;
using Voice.Core.Jobs;
using Voice.Speech.Engines;
using Voice.Worker.Claiming;
using Voice.Worker.Hosting;
using Voice.Worker.Queue;
using Voice.Worker.Settlement;
using Voice.Worker.Synthesis;

namespace Voice.Worker.Jobs;

/// <summary>
/// Runs delivered jobs as a pipeline: <see cref="JobClaimer"/> claims each in the ledger (a new epoch) and resolves
/// its voice and lexicon; compatible jobs are synthesised together as one batch by <see cref="BatchSynthesizer"/>;
/// <see cref="BatchSettler"/> stores and commits the results and acknowledges the entries. An entry is
/// acknowledged only once the ledger says its job is settled, so a crash at any point leaves it pending for
/// another worker; the epoch keeps a superseded attempt from committing anything.
/// </summary>
public sealed partial class JobRunner(
    JobClaimer claimer,
    BatchSynthesizer synthesizer,
    BatchSettler settler,
    JobQueue queue,
    EntryHeartbeats heartbeats,
    LiveJobs live,
    CancellationSignals cancellations,
    ISpeechEngine engine,
    WorkerTelemetry telemetry,
    ILogger<JobRunner> logger)
{
    public async Task RunAsync(IReadOnlyList<QueueEntry> entries, string consumer, CancellationToken hardStop)
    {
        var claimed = await claimer.ClaimAsync(entries, consumer, hardStop).ConfigureAwait(false);
        await queue.AcknowledgeManyAsync(claimed.Settled).ConfigureAwait(false);
        // A dialogue is spoken turn by turn, alone; other jobs in batches of one voice and language.
        var batches = claimed.Ready.Where(j => j.Turns is not null).Select(j => new[] { j })
            .Concat(claimed.Ready.Where(j => j.Turns is null).GroupBy(j => engine.BatchKey(j.Request)).SelectMany(g => g.Chunk(Math.Max(1, engine.Capabilities.MaxBatchSize))));
        foreach (var batch in batches)
        {
            // A streaming job runs beside the slots when there is room, so the slot goes back to picking.
            if (!live.TryStart(batch, () => RunBatchAsync(batch, consumer, hardStop)))
            {
                await RunBatchAsync(batch, consumer, hardStop).ConfigureAwait(false);
            }
        }
    }

    private async Task RunBatchAsync(ReadyJob[] batch, string consumer, CancellationToken hardStop)
    {
        var started = Stopwatch.GetTimestamp();
        using var activity = StartActivity(batch);
        var sessions = Array.ConvertAll(batch, synthesizer.Open);
        var registrations = sessions.Select(s => cancellations.Register(s.Job.Id, s.Cancel)).ToList();
        using var heartbeat = heartbeats.Start([.. batch.Select(j => j.Entry)], consumer);
        try
        {
            var error = await synthesizer.SynthesizeAsync(sessions, hardStop).ConfigureAwait(false);
            activity?.SetTag("voice.audio_seconds", sessions.Sum(s => s.SampleCount) / (double)AudioFormat.PlatformSampleRate);
            await settler.SettleAsync(sessions, error, consumer, started, hardStop).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Ledger or Redis trouble while settling: the entries stay pending; they are reclaimed and retried.
            LogSettleFailed(logger, batch[0].Job.Id, ex);
            telemetry.JobsProcessed.Add(batch.Length, JobOutcome.Unsettled.Tag(), telemetry.Pool);
        }
        finally
        {
            registrations.ForEach(r => r.Dispose());
            foreach (var session in sessions)
            {
                session.Dispose();
            }
        }
    }

    /// <summary>The batch's span, in the trace of its first job and linked to the others'.</summary>
    private Activity? StartActivity(ReadyJob[] batch)
    {
        var first = batch[0];
        var activity = WorkerTelemetry.Source.StartActivity(batch.Length == 1 ? "job.process" : "job.batch", ActivityKind.Consumer,
            first.Entry.TraceParent, links: batch.Skip(1).Select(j => new ActivityLink(j.Entry.TraceParent)));
        activity?.SetTag("voice.task_id", first.Job.Id);
        activity?.SetTag("voice.tenant_id", first.Job.TenantId);
        activity?.SetTag("voice.batch_size", batch.Length);
        activity?.SetTag("voice.engine", engine.Name);
        activity?.SetTag("voice.model", engine.Model);
        activity?.SetTag("voice.language", first.Job.Spec.Language);
        activity?.SetTag("voice.voice_mode", first.Request.Voice.Mode.ToString().ToLowerInvariant());
        activity?.SetTag("voice.characters", batch.Sum(j => JobAdmission.Characters(j.Job.Spec.Text)));
        activity?.SetTag("voice.queue_wait_ms", (long)Math.Max(0, (DateTimeOffset.UtcNow - first.Job.CreatedAt).TotalMilliseconds));
        activity?.SetTag("voice.stream", first.Job.Spec.Stream);
        return activity;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} could not be settled; its entry stays pending for redelivery")]
    private static partial void LogSettleFailed(ILogger logger, Guid jobId, Exception exception);
}
