using System.ComponentModel.DataAnnotations;

namespace Voice.Core.Hosting;

/// <summary>Settings every Voice service shares (configuration section <c>Voice</c>).</summary>
public sealed class VoiceOptions
{
    public const string Section = "Voice";

    /// <summary>Root secret from which purpose keys are derived (AppHost parameter <c>master-key</c>).</summary>
    [Required]
    [MinLength(Crypto.MasterKey.MinimumLength)]
    public string MasterKey { get; set; } = "";

    /// <summary>
    /// Master keys being rotated out: they still unwrap tenants' data keys (and open sealed secrets) until the
    /// rewrap (<c>POST /admin/v1/keys/rewrap</c>) has moved everything under <see cref="MasterKey"/>.
    /// </summary>
    public List<string> PreviousMasterKeys { get; set; } = [];
}

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
