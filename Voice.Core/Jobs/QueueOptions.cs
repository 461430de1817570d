using System.ComponentModel.DataAnnotations;

namespace Voice.Core.Jobs;

/// <summary>Configuration section <c>Queue</c>.</summary>
public sealed class QueueOptions
{
    public const string Section = "Queue";

    /// <summary>
    /// How long a delivered entry may go without a heartbeat before another worker reclaims it; running jobs
    /// heart-beat three times per period, so only a dead or frozen worker loses its entries.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromSeconds(60);
}
