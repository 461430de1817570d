using System.Diagnostics;
using Voice.Core.Jobs;
using Voice.Core.Voices;
using Voice.Worker.Hosting;
using Voice.Worker.Jobs;
using Voice.Worker.Settlement;

namespace Voice.Worker.Voices;

/// <summary>Runs a voice profile's preparation job when it is claimed: the engine computes the prompt and the profile becomes ready.</summary>
public sealed class VoiceJobHandler(JobStore jobs, VoiceStore profiles, VoicePrompts voices, FailedAttempts failures)
{
    public async Task<JobOutcome> RunAsync(QueueEntry entry, ClaimedJob job, string consumer, CancellationToken hardStop)
    {
        using var activity = WorkerTelemetry.Source.StartActivity("voice.job", ActivityKind.Consumer, entry.TraceParent);
        activity?.SetTag("voice.task_id", job.Id);
        activity?.SetTag("voice.tenant_id", job.TenantId);
        try
        {
            if (!Guid.TryParse(job.Spec.Voice, out var id) || await profiles.GetAsync(job.TenantId, id, hardStop).ConfigureAwait(false) is not { } profile)
            {
                await jobs.FailAsync(job, JobProblems.Json("voice-not-found", "The voice profile was deleted before it was prepared."), CancellationToken.None).ConfigureAwait(false);
                return JobOutcome.Failed;
            }
            await voices.PrepareAsync(profile, hardStop).ConfigureAwait(false);
            await jobs.CompleteWithoutResultAsync(job, CancellationToken.None).ConfigureAwait(false);
            return JobOutcome.Completed;
        }
        catch (Exception ex)
        {
            return await failures.SettleAsync(entry, job, ex, consumer, hardStop).ConfigureAwait(false);
        }
    }
}
