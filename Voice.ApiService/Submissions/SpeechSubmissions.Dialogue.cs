using Voice.ApiService.Accounts;
using Voice.ApiService.Services;
using Voice.Core.Jobs;

namespace Voice.ApiService.Submissions;

/// <summary>
/// Submitting a dialogue. It is one job (kind dialogue) that a worker speaks turn by turn, not a job per turn and a
/// composing step: so it is admitted against the plan once (one open job, all its characters reserved together, never
/// half admitted), billed by one usage record, canceled and retried as a whole, and needs nothing to wait for its parts.
/// With an idempotency key, the same dialogue again is the original task; a streamed one goes to the pool's live lane.
/// </summary>
public sealed partial class SpeechSubmissions
{
    public async Task<SubmissionOutcome> SubmitAsync(
        CallerIdentity caller, ValidatedDialogue dialogue, string? idempotencyKey, bool stream, CancellationToken cancellationToken)
    {
        var plan = dialogue.Plan;
        using var activity = Activity.StartActivity("job.submit", System.Diagnostics.ActivityKind.Producer);
        activity?.SetTag("voice.tenant_id", caller.TenantId);
        activity?.SetTag("voice.turns", dialogue.Turns.Count);
        try
        {
            var newJob = new NewJob(caller.TenantId, dialogue.Spec(stream), dialogue.CallbackUrl, Admissions.For(plan, clock), dialogue.SpokenCharacters, dialogue.Pool);
            var submitted = idempotencyKey is null
                ? new SubmitResult(await submitter.SubmitAsync(newJob, plan.QueueWeight), Replayed: false, KeyConflict: false)
                : await submitter.SubmitAsync(newJob, plan.QueueWeight, idempotencyKey, dialogue.RequestHash(), cancellationToken);
            if (submitted.KeyConflict)
            {
                return SubmissionOutcome.KeyConflict();
            }
            if (submitted.Replayed)
            {
                return new SubmissionOutcome.Replayed(submitted.Job!.Id, dialogue.Warnings);
            }
            var job = submitted.Job!;
            activity?.SetTag("voice.task_id", job.Id);
            ApiMetrics.JobsSubmitted.Add(1, new KeyValuePair<string, object?>("plan", plan.Id), new KeyValuePair<string, object?>("stream", stream));
            return new SubmissionOutcome.Accepted(job.Id, job.Status, dialogue.Warnings);
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
    }
}
