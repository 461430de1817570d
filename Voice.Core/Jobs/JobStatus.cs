namespace Voice.Core.Jobs;

/// <summary>A job's life: queued → running → completed | failed, or canceled from queued/running.</summary>
public static class JobStatus
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Canceled = "canceled";
}
