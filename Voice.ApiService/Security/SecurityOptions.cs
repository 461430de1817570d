using System.ComponentModel.DataAnnotations;

namespace Voice.ApiService.Security;

/// <summary>Configuration section <c>Security</c>.</summary>
public sealed class SecurityOptions
{
    public const string Section = "Security";

    /// <summary>Failed authentications per source address and minute before it gets 429 (shared by every replica).</summary>
    [Range(1, 1_000_000)]
    public int AuthFailuresPerMinute { get; set; } = 30;

    /// <summary>
    /// The portal's credential (AppHost secret <c>portal-credential</c>): a session that arrives with it is a person
    /// in the portal and gets the portal's rate; a session used directly against the API gets the plan's.
    /// </summary>
    [MinLength(32)]
    public string? PortalCredential { get; set; }
}

/// <summary>Configuration section <c>Admin</c>.</summary>
public sealed class AdminOptions
{
    public const string Section = "Admin";

    /// <summary>The platform operator's bearer token (AppHost parameter <c>admin-token</c>); the admin API is closed without one.</summary>
    [MinLength(AdminAuthenticationHandler.MinimumTokenLength)]
    public string? Token { get; set; }
}
