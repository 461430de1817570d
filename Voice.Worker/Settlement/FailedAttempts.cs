using Microsoft.Extensions.Options;
using Voice.Core.Jobs;
using Voice.Worker.Hosting;
using Voice.Worker.Jobs;
using Voice.Worker.Voices;

namespace Voice.Worker.Settlement;

/// <summary>
/// Settles an attempt that threw, wherever it threw (resolving its voice, preparing one, synthesising): shutting
/// down hands the job back uncounted; an unusable voice or a request the engine cannot serve fails at once;
/// anything else is retried until the attempts run out, then dead-lettered.
/// </summary>
public sealed partial class FailedAttempts(JobStore jobs, JobQueue queue, IOptions<WorkerOptions> options, ILogger<FailedAttempts> logger)
{
    public async Task<JobOutcome> SettleAsync(QueueEntry entry, ClaimedJob job, Exception ex, string consumer, CancellationToken hardStop)
    {
        if (ex is OperationCanceledException && hardStop.IsCancellationRequested)
        {
            await queue.ReleaseAsync(entry, consumer, countAttempt: false).ConfigureAwait(false);
            LogReleased(logger, job.Id);
            return JobOutcome.Released;
        }
        if (ex is JobRefusedException refused)
        {
            await jobs.FailAsync(job, JobProblems.Json(refused.ProblemType, refused.Message), CancellationToken.None).ConfigureAwait(false);
            return JobOutcome.Failed;
        }
        LogFailed(logger, job.Id, job.TenantId, job.Attempt, ex);
        // A request the engine cannot serve will fail the same way every time: no retry.
        if (ex is ArgumentException or NotSupportedException)
        {
            await jobs.FailAsync(job, JobProblems.Json("synthesis-failed", "The engine cannot speak this request as submitted."), CancellationToken.None).ConfigureAwait(false);
            return JobOutcome.Failed;
        }
        if (job.Attempt >= options.Value.MaxAttempts)
        {
            await jobs.FailAsync(job, JobProblems.Json("attempts-exhausted", $"Gave up after {job.Attempt} attempts; the last error was {AttemptErrors.Code(ex)}."), CancellationToken.None).ConfigureAwait(false);
            await queue.DeadLetterAsync(entry, job.Attempt, $"{ex.GetType().Name}: {ex.Message}").ConfigureAwait(false);
            return JobOutcome.Failed;
        }
        await jobs.NoteAttemptErrorAsync(job, AttemptErrors.Code(ex), CancellationToken.None).ConfigureAwait(false);
        await queue.ReleaseAsync(entry, consumer).ConfigureAwait(false);
        return JobOutcome.Retrying;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} of tenant {TenantId} failed on attempt {Attempt}")]
    private static partial void LogFailed(ILogger logger, Guid jobId, Guid tenantId, int attempt, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} handed back to the queue for shutdown")]
    private static partial void LogReleased(ILogger logger, Guid jobId);
}
