using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Voice.ApiService.Model;

namespace Voice.ApiService.Security;

/// <summary>
/// The admin API's credential: <c>Authorization: Bearer &lt;admin token&gt;</c>, the AppHost's <c>admin-token</c>
/// secret (<c>Admin:Token</c>), compared in constant time. It is separate from tenant credentials: no API key
/// or session can reach <c>/admin</c>, and this token reaches nothing else.
/// </summary>
public sealed class AdminAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    IOptions<AdminOptions> adminOptions,
    AuthFailureLimiter limiter)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "Admin";
    public const int MinimumTokenLength = 32;

    private const string RetryKey = "voice:admin-retry";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? authorization = Request.Headers.Authorization;
        if (authorization is null || !authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }
        var address = Context.Connection.RemoteIpAddress;
        if (limiter.RetryAfter(address) is { } wait)
        {
            Context.Items[RetryKey] = wait;
            return AuthenticateResult.Fail("throttled");
        }
        string? expected = adminOptions.Value.Token;
        byte[] presented = SHA256.HashData(Encoding.UTF8.GetBytes(authorization["Bearer ".Length..].Trim()));
        if (expected is null || expected.Length < MinimumTokenLength
            || !CryptographicOperations.FixedTimeEquals(presented, SHA256.HashData(Encoding.UTF8.GetBytes(expected))))
        {
            if (await limiter.RecordFailureAsync(address) is { } blocked)
            {
                Context.Items[RetryKey] = blocked;
            }
            return AuthenticateResult.Fail("invalid admin token");
        }
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Role, "platform-admin")], SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Items[RetryKey] is TimeSpan wait)
        {
            Response.Headers.RetryAfter = Math.Ceiling(wait.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            return CredentialAuthenticationHandler.WriteProblemAsync(Context, StatusCodes.Status429TooManyRequests, Problems.TooManyAuthFailures,
                "Too many failed authentications from this address; wait before trying again.");
        }
        Response.Headers.WWWAuthenticate = "Bearer";
        return CredentialAuthenticationHandler.WriteProblemAsync(Context, StatusCodes.Status401Unauthorized, Problems.Unauthenticated,
            "The admin API needs the platform's admin token.");
    }
}
