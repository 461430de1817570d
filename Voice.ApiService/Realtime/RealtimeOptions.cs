using System.ComponentModel.DataAnnotations;

namespace Voice.ApiService.Realtime;

/// <summary>Configuration section <c>Realtime</c>: the speech socket's bounds (docs/realtime.md).</summary>
public sealed class RealtimeOptions
{
    public const string Section = "Realtime";

    /// <summary>Sockets one tenant may hold open at a time on one API instance.</summary>
    [Range(1, 10_000)]
    public int MaxSocketsPerTenant { get; set; } = 16;

    /// <summary>How long a socket may go without a client message before it is closed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a socket upgraded without a credential has to send its <c>auth</c> message.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan AuthTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Sockets waiting for their <c>auth</c> message from one address (IPv6: one /64) on one API instance.</summary>
    [Range(1, 10_000)]
    public int MaxUnauthenticatedPerAddress { get; set; } = 8;

    /// <summary>Sockets waiting for their <c>auth</c> message on one API instance, from all addresses together.</summary>
    [Range(1, 1_000_000)]
    public int MaxUnauthenticated { get; set; } = 512;
}
