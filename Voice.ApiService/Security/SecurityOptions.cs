using System.ComponentModel.DataAnnotations;

namespace Voice.ApiService.Security;

/// <summary>Configuration section <c>Security</c>.</summary>
public sealed class SecurityOptions
{
    public const string Section = "Security";

    /// <summary>Failed authentications per source address and minute before it gets 429 (shared by every replica).</summary>
    [Range(1, 1_000_000)]
    public int AuthFailuresPerMinute { get; set; } = 30;
}

/// <summary>Configuration section <c>Admin</c>.</summary>
public sealed class AdminOptions
{
    public const string Section = "Admin";

    /// <summary>The platform operator's bearer token (AppHost parameter <c>admin-token</c>); the admin API is closed without one.</summary>
    [MinLength(AdminAuthenticationHandler.MinimumTokenLength)]
    public string? Token { get; set; }
}
