using System.ComponentModel.DataAnnotations;
using Voice.Core.Crypto;

namespace Voice.ApiService.Services;

/// <summary>Configuration section <c>DataKeys</c>: the background completion of data-key rotations.</summary>
public sealed class DataKeyOptions
{
    public const string Section = "DataKeys";

    /// <summary>How long a rotation must have stood before older versions are destroyed (replicas cache the current version for a minute).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan RotationGrace { get; set; } = TenantKeys.CacheLifetime * 2;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>Configuration section <c>Retention</c>: the sweep that deletes expired results.</summary>
public sealed class RetentionOptions
{
    public const string Section = "Retention";

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromHours(1);
}
