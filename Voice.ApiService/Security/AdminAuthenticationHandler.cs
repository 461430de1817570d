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
/// The admin API's credential: <c>Authorization: Bearer &lt;token&gt;</c>, either an operator's own token
/// (<c>vop_…</c>, <see cref="OperatorTokens"/>) or the bootstrap token, the AppHost's <c>admin-token</c> secret
/// (<c>Admin:Token</c>, compared in constant time; the operator <c>bootstrap</c>). The operator's name becomes the
/// principal's name, so every admin action is attributed. It is separate from tenant credentials: no API key or
/// session can reach <c>/admin</c>, and these tokens reach nothing else.
/// </summary>
public sealed class AdminAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    IOptions<AdminOptions> adminOptions,
    OperatorTokens operators,
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
        string token = authorization["Bearer ".Length..].Trim();
        string? name = IsBootstrap(token) ? OperatorTokens.BootstrapName
            : token.StartsWith(OperatorTokens.Prefix, StringComparison.Ordinal) ? await operators.AuthenticateAsync(token, Context.RequestAborted)
            : null;
        if (name is null)
        {
            if (await limiter.RecordFailureAsync(address) is { } blocked)
            {
                Context.Items[RetryKey] = blocked;
            }
            return AuthenticateResult.Fail("invalid admin token");
        }
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, "platform-admin")], SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    private bool IsBootstrap(string token)
    {
        string? expected = adminOptions.Value.Token;
        return expected is { Length: >= MinimumTokenLength }
            && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(token)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
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
            "The admin API needs an operator token.");
    }
}
