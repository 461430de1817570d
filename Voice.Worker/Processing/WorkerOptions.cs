using System.ComponentModel.DataAnnotations;

namespace Voice.Worker.Processing;

/// <summary>Configuration section <c>Worker</c>.</summary>
public sealed class WorkerOptions
{
    public const string Section = "Worker";

    /// <summary>Jobs processed at once by this process (the engine may still serialise synthesis).</summary>
    [Range(1, 64)]
    public int Concurrency { get; set; } = 2;

    /// <summary>How long an idle slot sleeps when no wake-up arrives (a wake-up can be lost; polling is the fallback).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan IdlePoll { get; set; } = TimeSpan.FromSeconds(1);
}
