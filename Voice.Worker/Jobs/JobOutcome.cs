using Voice.Core.Jobs;

namespace Voice.Worker.Jobs;

/// <summary>How a worker left one delivered job.</summary>
public enum JobOutcome
{
    Completed,
    Failed,
    Canceled,

    /// <summary>A newer attempt owns the job: this attempt's audio was thrown away.</summary>
    Superseded,

    /// <summary>Finished or canceled before this delivery (a redelivery): nothing was run.</summary>
    AlreadyFinished,

    /// <summary>Out of attempts when claimed: failed and dead-lettered without running.</summary>
    Exhausted,

    /// <summary>Handed back for shutdown, the attempt not counted.</summary>
    Released,

    /// <summary>Handed back after a transient failure, for another attempt.</summary>
    Retrying,

    /// <summary>Settling it failed (ledger or Redis trouble): its entry stays pending and is redelivered.</summary>
    Unsettled,
}

public static class JobOutcomes
{
    /// <summary>Whether the ledger holds the job's final state, so its queue entry may be acknowledged.</summary>
    public static bool IsSettled(this JobOutcome outcome) => outcome is not (JobOutcome.Released or JobOutcome.Retrying or JobOutcome.Unsettled);

    /// <summary>The name metrics, traces and a live stream's end use (dashboards and listeners match these strings).</summary>
    public static string Name(this JobOutcome outcome) => outcome switch
    {
        JobOutcome.Completed => JobStatus.Completed,
        JobOutcome.Failed => JobStatus.Failed,
        JobOutcome.Canceled => JobStatus.Canceled,
        JobOutcome.Superseded => "superseded",
        JobOutcome.AlreadyFinished => "alreadyfinished",
        JobOutcome.Exhausted => "exhausted",
        JobOutcome.Released => "released",
        JobOutcome.Retrying => "retrying",
        JobOutcome.Unsettled => "unsettled",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };

    /// <summary>The <c>outcome</c> tag of the worker's job metrics.</summary>
    public static KeyValuePair<string, object?> Tag(this JobOutcome outcome) => new("outcome", outcome.Name());

    /// <summary>What a claim that gave the worker nothing to run means for the job.</summary>
    public static JobOutcome Of(ClaimResult result) => result switch
    {
        ClaimResult.AlreadyFinished => JobOutcome.AlreadyFinished,
        ClaimResult.Canceled => JobOutcome.Canceled,
        ClaimResult.Exhausted => JobOutcome.Exhausted,
        _ => throw new ArgumentOutOfRangeException(nameof(result), result, "A claimed job is run, not settled at the claim."),
    };
}
