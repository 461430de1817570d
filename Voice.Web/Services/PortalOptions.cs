using System.ComponentModel.DataAnnotations;

namespace Voice.Web.Services;

/// <summary>Configuration section <c>Portal</c>.</summary>
public sealed class PortalOptions
{
    public const string Section = "Portal";

    /// <summary>The header that carries <see cref="ApiCredential"/> (the API's <c>RequestRateLimiter.PortalHeader</c>).</summary>
    public const string ApiCredentialHeader = "X-Voice-Portal";

    /// <summary>The API's public address, shown in the playground's snippets; the discovered address when unset.</summary>
    [Url]
    public string? PublicApiUrl { get; set; }

    /// <summary>The domain under which <c>tenant.&lt;domain&gt;</c> pre-fills the tenant on sign-in pages.</summary>
    [Required]
    [RegularExpression(@"^[A-Za-z0-9.-]+$", ErrorMessage = "Portal:BaseDomain is a host name.")]
    public string BaseDomain { get; set; } = "localhost";

    /// <summary>The secret the replicas derive their shared cookie and anti-forgery keys from (unset: per-process keys).</summary>
    [MinLength(32)]
    public string? DataProtectionKey { get; set; }

    /// <summary>
    /// The portal's own credential, sent to the API beside each person's session (AppHost secret <c>portal-credential</c>):
    /// only sessions that arrive with it get the portal's browsing-sized rate instead of the plan's.
    /// </summary>
    [MinLength(32)]
    public string? ApiCredential { get; set; }
}
