using System.Diagnostics;
using Voice.ApiService.Accounts;
using Voice.ApiService.Services;
using Voice.Core.Jobs;
using Voice.Core.Voices;

namespace Voice.ApiService.Submissions;

/// <summary>
/// Submits a validated speech request (the task API's and the OpenAI route's): makes its inline voice a transient
/// profile, writes the job to the ledger and the queue through <see cref="JobSubmitter"/> (with its idempotency
/// key, if any) and counts it. The transient voice outlives the request only as its job's voice. An inline voice
/// costs a decode and an upload, so a request that would be replayed or refused is answered before that work.
/// </summary>
public sealed partial class SpeechSubmissions(JobSubmitter submitter, JobStore jobs, VoiceProfiles profiles, TimeProvider clock, ILogger<SpeechSubmissions> logger)
{
    private static readonly ActivitySource Activity = new("Voice.Api");

    public async Task<SubmissionOutcome> SubmitAsync(
        CallerIdentity caller, ValidatedSpeech speech, string? idempotencyKey, bool stream, CancellationToken cancellationToken)
    {
        var plan = speech.Plan;
        using var activity = Activity.StartActivity("job.submit", ActivityKind.Producer);
        activity?.SetTag("voice.tenant_id", caller.TenantId);
        activity?.SetTag("voice.characters", speech.Fields.Text.Length);
        VoiceProfile? transient = null;
        bool queued = false;
        try
        {
            if (speech.Voice.Inline is { } inline)
            {
                var early = await jobs.PrecheckAsync(NewJob(caller, speech, "inline", stream), idempotencyKey, speech.RequestHash(), cancellationToken);
                switch (early)
                {
                    case { KeyConflict: true }:
                        return SubmissionOutcome.KeyConflict();
                    case { Replayed: true }:
                        return new SubmissionOutcome.Replayed(early.Job!.Id, speech.Fields.Warnings);
                    case { Refusal: { } refusal }:
                        return Admissions.Refused(refusal, plan, clock);
                }
                var created = await profiles.CreateAsync(caller, plan, inline, null, transient: true, cancellationToken, speech.ClientAddress);
                if (created.Problem is not null)
                {
                    return new SubmissionOutcome.Problem(created.Problem);
                }
                transient = created.Voice!;
            }
            var newJob = NewJob(caller, speech, transient?.Id.ToString() ?? speech.Voice.Key!, stream);
            var submitted = idempotencyKey is null
                ? new SubmitResult(await submitter.SubmitAsync(newJob, plan.QueueWeight), Replayed: false, KeyConflict: false)
                : await submitter.SubmitAsync(newJob, plan.QueueWeight, idempotencyKey, speech.RequestHash(), cancellationToken);
            if (submitted.KeyConflict)
            {
                return SubmissionOutcome.KeyConflict();
            }
            if (submitted.Replayed)
            {
                return new SubmissionOutcome.Replayed(submitted.Job!.Id, speech.Fields.Warnings);
            }
            var job = submitted.Job!;
            queued = true;
            activity?.SetTag("voice.task_id", job.Id);
            ApiMetrics.JobsSubmitted.Add(1, new KeyValuePair<string, object?>("plan", plan.Id), new KeyValuePair<string, object?>("stream", stream));
            return new SubmissionOutcome.Accepted(job.Id, job.Status, speech.Fields.Warnings);
        }
        catch (QueueUnavailableException ex)
        {
            LogEnqueueFailed(logger, ex);
            return SubmissionOutcome.QueueUnavailable();
        }
        catch (AdmissionRefusedException refused)
        {
            return Admissions.Refused(refused.Refusal, plan, clock);
        }
        finally
        {
            // Only a queued job needs its transient voice; a replay's original job has its own.
            if (transient is not null && !queued)
            {
                await profiles.DiscardAsync(transient, CancellationToken.None);
            }
        }
    }

    private NewJob NewJob(CallerIdentity caller, ValidatedSpeech speech, string voice, bool stream) =>
        new(caller.TenantId, speech.Spec(voice, stream), speech.CallbackUrl, Admissions.For(speech.Plan, clock), speech.SpokenCharacters, speech.Pool);

    [LoggerMessage(Level = LogLevel.Error, Message = "A submission could not be queued and was withdrawn")]
    private static partial void LogEnqueueFailed(ILogger logger, Exception exception);
}
