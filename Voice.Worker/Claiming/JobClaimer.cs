using Microsoft.Extensions.Options;
using Voice.Core.Jobs;
using Voice.Core.Lexicons;
using Voice.Speech.Engines;
using Voice.Worker.Hosting;
using Voice.Worker.Jobs;
using Voice.Worker.Settlement;
using Voice.Worker.Voices;

namespace Voice.Worker.Claiming;

/// <summary>
/// Claims delivered entries in Redis (each a new epoch and attempt) and reads their jobs from the ledger and turns the speech jobs into <see cref="ReadyJob"/>s.
/// Everything that needs no synthesis is settled here: entries with nothing left to run, voice preparation jobs
/// (run at once), and jobs whose voice or lexicon could not be resolved.
/// </summary>
public sealed partial class JobClaimer(
    JobStore jobs,
    JobQueue queue,
    VoicePrompts voices,
    LexiconStore lexicons,
    VoiceJobHandler voiceJobs,
    FailedAttempts failures,
    WorkerTelemetry telemetry,
    IOptions<WorkerOptions> options,
    ILogger<JobClaimer> logger)
{
    public async Task<ClaimedWork> ClaimAsync(IReadOnlyList<QueueEntry> entries, string consumer, CancellationToken hardStop)
    {
        var held = await queue.ClaimManyAsync(entries).ConfigureAwait(false);
        var claims = await jobs.ClaimManyAsync(held, options.Value.MaxAttempts, CancellationToken.None).ConfigureAwait(false);
        var ready = new List<ReadyJob>();
        var settled = new List<QueueEntry>();
        foreach (var claim in claims)
        {
            JobOutcome outcome;
            if (claim.Job is not { } job)
            {
                outcome = await SettleUnclaimedAsync(claim).ConfigureAwait(false);
            }
            else
            {
                telemetry.QueueWait.Record(Math.Max(0, (DateTimeOffset.UtcNow - job.CreatedAt).TotalSeconds), new KeyValuePair<string, object?>("kind", job.Spec.Kind));
                if (job.Spec.Kind == JobKinds.Voice)
                {
                    outcome = await voiceJobs.RunAsync(claim.Entry, job, consumer, hardStop).ConfigureAwait(false);
                }
                else
                {
                    try
                    {
                        ready.Add(await ResolveAsync(claim.Entry, job, hardStop).ConfigureAwait(false));
                        continue; // settled with its batch
                    }
                    catch (Exception ex)
                    {
                        outcome = await failures.SettleAsync(claim.Entry, job, ex, consumer, hardStop).ConfigureAwait(false);
                    }
                }
            }
            if (outcome.IsSettled())
            {
                settled.Add(claim.Entry);
            }
            telemetry.JobsProcessed.Add(1, outcome.Tag(), telemetry.Pool);
        }
        return new ClaimedWork(ready, settled);
    }

    /// <summary>
    /// Finds (or prepares) a speech job's voice and rewrites its text by the tenant's pronunciation rules; a dialogue's
    /// for each of its turns.
    /// </summary>
    private async Task<ReadyJob> ResolveAsync(QueueEntry entry, ClaimedJob job, CancellationToken hardStop)
    {
        var lexicon = await lexicons.ForSynthesisAsync(job.TenantId, hardStop).ConfigureAwait(false);
        if (job.Spec.Dialogue is { } dialogue)
        {
            var turns = new List<ReadyTurn>(dialogue.Turns.Count);
            foreach (var (turn, start, turnText) in dialogue.Split(job.Spec.Text))
            {
                var (turnPrompt, _) = await voices.ResolveAsync(job.TenantId, turn.Voice, turn.Language, hardStop).ConfigureAwait(false);
                var (rewritten, turnRewrites) = Lexicon.ApplyMapped(turnText, turn.Language, lexicon);
                turns.Add(new ReadyTurn(new SynthesisRequest(rewritten, turn.Language, turnPrompt, job.Spec.Speed, job.Spec.Seed, job.Spec.StreamingLatency), turnText, start, turnRewrites));
            }
            CheckSpokenLength(job, turns.Sum(t => JobAdmission.Characters(t.Request.Text)));
            return new ReadyJob(entry, job, turns[0].Request, null, [], turns);
        }
        var (prompt, profile) = await voices.ResolveAsync(job.TenantId, job.Spec.Voice, job.Spec.Language, hardStop).ConfigureAwait(false);
        var (text, rewrites) = Lexicon.ApplyMapped(job.Spec.Text, job.Spec.Language, lexicon);
        CheckSpokenLength(job, JobAdmission.Characters(text));
        return new ReadyJob(entry, job, new SynthesisRequest(text, job.Spec.Language, prompt, job.Spec.Speed, job.Spec.Seed, job.Spec.StreamingLatency), profile, rewrites);
    }

    /// <summary>
    /// The rules rewrite the text the engine reads. Admission reserved what they made of it at submission; rules added
    /// since may not make it longer than that (a rule turning two letters into fifty words would multiply the audio).
    /// </summary>
    private static void CheckSpokenLength(ClaimedJob job, int spoken)
    {
        if (job.ReservedCharacters > 0 && spoken > Math.Max(job.ReservedCharacters, JobAdmission.Characters(job.Spec.Text)))
        {
            throw new JobRefusedException("text-too-long", $"The pronunciation rules now make this text {spoken} characters long; " +
                $"{job.ReservedCharacters} were admitted when it was submitted. Submit it again to have it counted as it now reads.");
        }
    }

    /// <summary>Finished, canceled or out of attempts already: nothing to run; an exhausted job goes to the dead letters.</summary>
    private async Task<JobOutcome> SettleUnclaimedAsync(ClaimOutcome claim)
    {
        if (claim.Result == ClaimResult.Exhausted)
        {
            LogExhausted(logger, claim.Entry.JobId, claim.Entry.TenantId);
            await queue.DeadLetterAsync(claim.Entry, options.Value.MaxAttempts, "attempts exhausted (the worker running it stopped or failed each time)").ConfigureAwait(false);
        }
        return JobOutcomes.Of(claim.Result);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} of tenant {TenantId} ran out of attempts and was dead-lettered")]
    private static partial void LogExhausted(ILogger logger, Guid jobId, Guid tenantId);
}
