using System.Diagnostics;
using Voice.Core.Jobs;
using Voice.Worker.Hosting;
using Voice.Worker.Jobs;
using Voice.Worker.Results;
using Voice.Worker.Synthesis;
using Voice.Worker.Voices;

namespace Voice.Worker.Settlement;

/// <summary>
/// Turns each synthesised job into its settled ledger state — successes stored, then committed together — and
/// only then tells the world: a streaming listener hears the end, the settled entries are acknowledged in one
/// call, transient voices are forgotten. Entries handed back stay pending.
/// </summary>
public sealed partial class BatchSettler(
    JobStore jobs,
    JobQueue queue,
    SpeechStreams streams,
    ResultWriter results,
    FailedAttempts failures,
    VoicePrompts voices,
    WorkerTelemetry telemetry,
    ILogger<BatchSettler> logger)
{
    /// <param name="error">What stopped the batch's synthesis, if anything (every job's error then).</param>
    /// <param name="started">When the batch began: the jobs' durations run from there.</param>
    public async Task SettleAsync(IReadOnlyList<SynthesisSession> batch, Exception? error, string consumer, long started, CancellationToken hardStop)
    {
        var outcomes = new List<(SynthesisSession Session, JobOutcome Outcome)>(batch.Count);
        var stored = new List<(SynthesisSession Session, Completion Completion)>();
        foreach (var session in batch)
        {
            if (session.IsCanceled)
            {
                await jobs.MarkCanceledAsync(session.Job, CancellationToken.None).ConfigureAwait(false);
                outcomes.Add((session, JobOutcome.Canceled));
            }
            else if (error is not null)
            {
                outcomes.Add((session, await failures.SettleAsync(session.Ready.Entry, session.Job, error, consumer, hardStop).ConfigureAwait(false)));
            }
            else if (session.SampleCount == 0)
            {
                await jobs.FailAsync(session.Job, JobProblems.Json("synthesis-failed", "The engine produced no audio for this text."), CancellationToken.None).ConfigureAwait(false);
                outcomes.Add((session, JobOutcome.Failed));
            }
            else
            {
                stored.Add((session, await results.WriteAsync(session, started).ConfigureAwait(false)));
            }
        }
        outcomes.AddRange(await CommitAsync(stored).ConfigureAwait(false));

        var settled = outcomes.Where(o => o.Outcome.IsSettled()).ToList();
        await EndStreamsAsync(settled).ConfigureAwait(false);
        await queue.AcknowledgeManyAsync([.. settled.Select(o => o.Session.Ready.Entry)]).ConfigureAwait(false);
        foreach (var (session, _) in settled)
        {
            if (session.Ready.Voice is { Transient: true } transient)
            {
                await voices.ForgetTransientAsync(transient, CancellationToken.None).ConfigureAwait(false);
            }
        }
        foreach (var (_, outcome) in outcomes)
        {
            telemetry.JobsProcessed.Add(1, outcome.Tag(), telemetry.Pool);
            telemetry.JobDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, outcome.Tag());
        }
    }

    /// <summary>Commits the stored results in one call; a result the ledger refused is deleted.</summary>
    private async Task<List<(SynthesisSession Session, JobOutcome Outcome)>> CommitAsync(List<(SynthesisSession Session, Completion Completion)> stored)
    {
        var outcomes = new List<(SynthesisSession Session, JobOutcome Outcome)>(stored.Count);
        // A newer claim of the same job (this worker's entry was reclaimed) supersedes this attempt before it reaches the ledger.
        var current = await queue.CurrentAsync([.. stored.Select(s => (s.Session.Ready.Entry, s.Session.Job.Epoch))]).ConfigureAwait(false);
        var committed = await jobs.CompleteManyAsync([.. stored.Where(s => current.Contains(s.Session.Job.Id)).Select(s => s.Completion)], CancellationToken.None).ConfigureAwait(false);
        foreach (var (session, completion) in stored)
        {
            if (!current.Contains(session.Job.Id))
            {
                await results.DiscardAsync(completion).ConfigureAwait(false);
                outcomes.Add((session, JobOutcome.Superseded));
                continue;
            }
            if (committed.Contains(session.Job.Id))
            {
                UsageLog.Write(logger, completion);
                outcomes.Add((session, JobOutcome.Completed));
                continue;
            }
            // Not committed: a cancel request arrived (then it is canceled now) or another attempt finished the job first.
            await results.DiscardAsync(completion).ConfigureAwait(false);
            outcomes.Add((session, await jobs.MarkCanceledAsync(session.Job, CancellationToken.None).ConfigureAwait(false) ? JobOutcome.Canceled : JobOutcome.Superseded));
        }
        return outcomes;
    }

    /// <summary>A streaming job's listener hears the end once the ledger has settled it (a retried job's next attempt streams anew).</summary>
    private async Task EndStreamsAsync(List<(SynthesisSession Session, JobOutcome Outcome)> settled)
    {
        foreach (var (session, outcome) in settled)
        {
            if (!session.Job.Spec.Stream)
            {
                continue;
            }
            try
            {
                await streams.PublishEndAsync(session.Job.Id, session.Job.Epoch, outcome.Name()).ConfigureAwait(false);
            }
            catch (Exception ex) when (RedisFaults.IsTransient(ex))
            {
                LogStreamFailed(logger, session.Job.Id, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live audio of job {JobId} could not be published; the job goes on")]
    private static partial void LogStreamFailed(ILogger logger, Guid jobId, Exception exception);
}
