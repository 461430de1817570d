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

    /// <summary>
    /// How many live entries (streams being waited on, queued or running) one tenant may hold in the live lane;
    /// its further streams wait in its own lane, in the fair rotation, so they are still served, without priority.
    /// </summary>
    [Range(1, 10_000)]
    public int LiveJobsPerTenant { get; set; } = 8;

    /// <summary>
    /// How many live picks in a row before a waiting tenant lane gets one: live work takes up to
    /// LiveBurst/(LiveBurst+1) of the picks while both wait (3 → 75 %), and all of them when nothing else waits.
    /// </summary>
    [Range(1, 1_000)]
    public int LiveBurst { get; set; } = 3;
}
