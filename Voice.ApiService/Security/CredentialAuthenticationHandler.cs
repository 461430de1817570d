using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Voice.ApiService.Accounts;
using Voice.ApiService.Model;

namespace Voice.ApiService.Security;

/// <summary>
/// Authenticates <c>Authorization: Bearer &lt;token&gt;</c> or <c>X-API-Key: &lt;token&gt;</c>, where the token is an
/// API key (<c>vk_…</c>) or a portal session (<c>vs_…</c>). The tenant always comes from the credential; an
/// <c>X-Tenant-ID</c> header, when sent, must name the same tenant. Failures answer problem+json and never say
/// whether a key id exists; repeated failures from one address are throttled (<see cref="AuthFailureLimiter"/>).
/// </summary>
public sealed partial class CredentialAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    CredentialVerifier verifier)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "Credential";
    public const string ScopeClaim = "scope";

    private const string FailureKey = "voice:auth-failure";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? presented = ReadPresentedToken(Request.Headers);
        if (presented is null)
        {
            return AuthenticateResult.NoResult();
        }
        var (identity, failure) = await verifier.VerifyAsync(presented, Context.Connection.RemoteIpAddress, Context.RequestAborted);
        if (failure is not null)
        {
            Context.Items[FailureKey] = failure;
            return AuthenticateResult.Fail(failure.Detail);
        }

        string? claimedTenant = Request.Headers["X-Tenant-ID"];
        if (claimedTenant is not null
            && !string.Equals(claimedTenant, identity!.TenantSlug, StringComparison.Ordinal)
            && !(Guid.TryParse(claimedTenant, out var claimedId) && claimedId == identity.TenantId))
        {
            LogTenantMismatch(Logger, identity.TenantId, identity.Actor);
            return Fail(StatusCodes.Status403Forbidden, Problems.Forbidden, "X-Tenant-ID does not match the credential's tenant.");
        }

        Context.Features.Set(identity!);
        List<Claim> claims =
        [
            new(ClaimTypes.NameIdentifier, identity!.Actor),
            new("tenant_id", identity.TenantId.ToString()),
            .. identity.Scopes.Select(s => new Claim(ScopeClaim, s)),
        ];
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failure = Context.Items[FailureKey] as CredentialFailure
            ?? new CredentialFailure(StatusCodes.Status401Unauthorized, Problems.Unauthenticated, "An API key is required.");
        if (failure.Status == StatusCodes.Status401Unauthorized)
        {
            Response.Headers.WWWAuthenticate = "Bearer";
        }
        if (failure.RetryAfter is { } wait)
        {
            Response.Headers.RetryAfter = Math.Ceiling(wait.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        }
        await WriteProblemAsync(Context, failure.Status, failure.Type, failure.Detail);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteProblemAsync(Context, StatusCodes.Status403Forbidden, Problems.Forbidden, "The credential lacks the scope this operation needs.");

    internal static async Task WriteProblemAsync(HttpContext context, int status, string type, string detail)
    {
        context.Response.StatusCode = status;
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = status,
                Type = type,
                Title = status switch
                {
                    StatusCodes.Status401Unauthorized => "Authentication failed.",
                    StatusCodes.Status429TooManyRequests => "Too many failed attempts.",
                    _ => "Forbidden.",
                },
                Detail = detail,
            },
        });
    }

    private AuthenticateResult Fail(int status, string type, string detail)
    {
        Context.Items[FailureKey] = new CredentialFailure(status, type, detail);
        return AuthenticateResult.Fail(detail);
    }

    /// <summary>Whether the request presents a credential in a header (a bad one included).</summary>
    public static bool PresentsCredential(IHeaderDictionary headers) => ReadPresentedToken(headers) is not null;

    private static string? ReadPresentedToken(IHeaderDictionary headers)
    {
        string? authorization = headers.Authorization;
        if (authorization is not null)
        {
            return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                ? authorization["Bearer ".Length..].Trim()
                : authorization; // another scheme: malformed for us, never silently ignored
        }
        return headers["X-API-Key"].ToString() is { Length: > 0 } apiKey ? apiKey.Trim() : null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "X-Tenant-ID mismatch for tenant {TenantId} by {Actor}")]
    private static partial void LogTenantMismatch(ILogger logger, Guid tenantId, string actor);
}
