using Microsoft.AspNetCore.Http.HttpResults;
using Voice.ApiService.Model;

namespace Voice.ApiService.Submissions;

/// <summary>What became of a submission: queued, an idempotent replay, or the problem that stopped it.</summary>
public abstract record SubmissionOutcome
{
    private SubmissionOutcome()
    {
    }

    /// <summary>Queued: the job is in the ledger and the queue.</summary>
    public sealed record Accepted(Guid TaskId, string Status, IReadOnlyList<string>? Warnings) : SubmissionOutcome;

    /// <summary>The same Idempotency-Key and request again: the original task, not queued twice.</summary>
    public sealed record Replayed(Guid TaskId, IReadOnlyList<string>? Warnings) : SubmissionOutcome;

    /// <summary>Nothing was queued. <see cref="RetryAfter"/> is set for a refusal the client can wait out.</summary>
    public sealed record Problem(ProblemHttpResult Result, string? RetryAfter = null) : SubmissionOutcome;

    // Fresh problems each time: the problem details service fills in each response's own instance and trace.

    /// <summary>The queue refused the job; its ledger row was withdrawn.</summary>
    public static Problem QueueUnavailable() => new(Problems.Create(StatusCodes.Status503ServiceUnavailable, Problems.QueueUnavailable,
        "The job queue is unavailable.", "Nothing was queued; retry shortly."));

    public static Problem KeyConflict() => new(Problems.Create(StatusCodes.Status409Conflict, Problems.IdempotencyConflict,
        "This Idempotency-Key was used for a different request.", "Use a new key for a new request."));
}
