using System.Net;
using Voice.ApiService.Accounts;
using Voice.ApiService.Model;

namespace Voice.ApiService.Security;

/// <summary>Why a presented credential was refused: the HTTP status and problem type it answers with.</summary>
public sealed record CredentialFailure(int Status, string Type, string Detail, TimeSpan? RetryAfter = null);

/// <summary>
/// Checks a presented credential (an API key or a session token) as every authenticated request does, wherever it was
/// presented (a header, or the first message of a speech socket): an address that failed too often is throttled
/// first, and every failure that is the caller's guess is counted against its address (<see cref="AuthFailureLimiter"/>).
/// </summary>
public sealed class CredentialVerifier(CredentialAuthenticator authenticator, AuthFailureLimiter limiter)
{
    public async Task<(CallerIdentity? Identity, CredentialFailure? Failure)> VerifyAsync(string presented, IPAddress? address, CancellationToken cancellationToken)
    {
        if (limiter.RetryAfter(address) is { } wait)
        {
            return (null, Throttled(wait));
        }
        if (!CredentialToken.TryParse(presented, out var token))
        {
            return (null, await FailAsync(address, "The credential is malformed. API keys look like vk_live_<id>_<secret>."));
        }
        var (check, identity) = await authenticator.AuthenticateAsync(token.Value, cancellationToken);
        return check switch
        {
            CredentialCheck.Valid => (identity, null),
            CredentialCheck.Revoked => (null, await FailAsync(address, "The credential was revoked.")),
            CredentialCheck.Expired => (null, await FailAsync(address, "The credential has expired.")),
            CredentialCheck.TenantSuspended => (null, new CredentialFailure(StatusCodes.Status403Forbidden, Problems.TenantSuspended,
                "The tenant is suspended; contact support to restore access.")),
            _ => (null, await FailAsync(address, "The credential is not valid.")),
        };
    }

    private async Task<CredentialFailure> FailAsync(IPAddress? address, string detail) =>
        await limiter.RecordFailureAsync(address) is { } wait
            ? Throttled(wait)
            : new CredentialFailure(StatusCodes.Status401Unauthorized, Problems.Unauthenticated, detail);

    private static CredentialFailure Throttled(TimeSpan wait) => new(StatusCodes.Status429TooManyRequests, Problems.TooManyAuthFailures,
        "Too many failed authentications from this address; wait before trying again.", wait);
}
