using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Voice.ApiService.Security;

/// <summary>
/// Failed logins counted per account (tenant slug and email) and per tenant, from every address, so an attacker with
/// many addresses still gets few guesses at one password. Past a limit, logins to that account or tenant answer 429
/// before the password is checked, so the lock is no oracle. Counters key on what the caller typed, whether or not the
/// account exists, so a lock does not reveal which accounts exist either.
/// <para>
/// The trade-off: anyone can lock a victim's account (or, with many more failures, its tenant) out of new logins by
/// failing on purpose. That is bounded: a lock lasts only to the end of its window (15 minutes by default), sessions
/// already open keep working, and other accounts of the tenant are untouched until the much higher tenant limit.
/// </para>
/// </summary>
public sealed class LoginGuard(WindowCounters counters, IOptions<SecurityOptions> options)
{
    /// <summary>How long logins to this account must wait, or null when they may try.</summary>
    public Task<TimeSpan?> RetryAfterAsync(string tenant, string email) => counters.RetryAfterAsync(Limits(tenant, email));

    /// <summary>Counts a failed login; how long to wait when this one went past a limit.</summary>
    public Task<TimeSpan?> RecordFailureAsync(string tenant, string email) => counters.CountAsync(Limits(tenant, email));

    /// <summary>How long logins by email alone (no workspace named) must wait for this address, or null when they may try.</summary>
    public Task<TimeSpan?> RetryAfterByEmailAsync(string email) => counters.RetryAfterAsync(EmailLimits(email));

    /// <summary>Counts a failed login by email alone: the address's own budget, no workspace's.</summary>
    public Task<TimeSpan?> RecordFailureByEmailAsync(string email) => counters.CountAsync(EmailLimits(email));

    private WindowLimit[] EmailLimits(string email)
    {
        var o = options.Value;
        string account = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("*\n" + email.Trim().ToLowerInvariant())))[..32];
        return [new("login-failures:email:" + account, o.LoginFailureWindow, o.LoginFailuresPerAccount)];
    }

    private WindowLimit[] Limits(string tenant, string email)
    {
        var o = options.Value;
        string slug = tenant.Trim().ToLowerInvariant();
        // The address is hashed: Redis keys are visible to operators and need not hold people's emails.
        string account = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(slug + "\n" + email.Trim().ToLowerInvariant())))[..32];
        return
        [
            new("login-failures:account:" + account, o.LoginFailureWindow, o.LoginFailuresPerAccount),
            new("login-failures:tenant:" + slug, o.LoginFailureWindow, o.LoginFailuresPerTenant),
        ];
    }
}
