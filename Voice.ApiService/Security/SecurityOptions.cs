using System.ComponentModel.DataAnnotations;

namespace Voice.ApiService.Security;

/// <summary>Configuration section <c>Security</c>.</summary>
public sealed class SecurityOptions
{
    public const string Section = "Security";

    /// <summary>Failed authentications per source address (IPv6: per /64) and minute before it gets 429 (shared by every replica).</summary>
    [Range(1, 1_000_000)]
    public int AuthFailuresPerMinute { get; set; } = 30;

    /// <summary>
    /// Failed logins to one account (tenant slug and email), from any address, per <see cref="LoginFailureWindow"/> before
    /// logins to it get 429. Ten is far above what a person mistyping produces and far below what guessing needs.
    /// </summary>
    [Range(1, 1_000_000)]
    public int LoginFailuresPerAccount { get; set; } = 10;

    /// <summary>
    /// Failed logins to one tenant, over all its accounts and addresses, per <see cref="LoginFailureWindow"/>: stops
    /// spraying one common password over many addresses of a team. Ten accounts' worth, so a team's ordinary typos never reach it.
    /// </summary>
    [Range(1, 1_000_000)]
    public int LoginFailuresPerTenant { get; set; } = 100;

    /// <summary>The window of the per-account and per-tenant login counters: also the longest a lock lasts.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan LoginFailureWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Sign-ups per network (IPv4 /24, IPv6 /48) and hour. An office or campus behind one network rarely opens more than a
    /// few workspaces an hour; a script farming free tenants gets twenty an hour per network instead of thousands.
    /// </summary>
    [Range(1, 1_000_000)]
    public int SignUpsPerNetworkPerHour { get; set; } = 20;

    /// <summary>Verification mails a user may ask to be sent again per hour (each lands in their inbox).</summary>
    [Range(1, 1_000)]
    public int VerificationMailsPerHour { get; set; } = 5;

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

    /// <summary>
    /// The bootstrap operator's bearer token (AppHost parameter <c>admin-token</c>): it can create the other operators'
    /// tokens (<c>/admin/v1/operators/tokens</c>). Without it and without operator tokens the admin API is closed.
    /// </summary>
    [MinLength(AdminAuthenticationHandler.MinimumTokenLength)]
    public string? Token { get; set; }

    /// <summary>
    /// The admin listener's port (AppHost endpoint <c>admin</c>): when set, the admin API answers only on it and it
    /// answers nothing else but health. Unset, the admin API shares the public port.
    /// </summary>
    [Range(1, 65535)]
    public int? Port { get; set; }
}
