using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Voice.ApiService.Model;
using Voice.Core.Tenancy;

namespace Voice.ApiService.Security;

/// <summary>
/// Authenticates <c>Authorization: Bearer vk_…</c> or <c>X-API-Key: vk_…</c> against the tenant directory.
/// The tenant always comes from the key; an <c>X-Tenant-ID</c> header, when sent, must name the same tenant.
/// Failures answer 401/403 as problem+json and never say whether a key id exists.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    TenantDirectory tenants)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string TenantIdClaim = "voice:tenant_id";
    public const string TenantSlugClaim = "voice:tenant_slug";
    public const string KeyIdClaim = "voice:key_id";
    public const string ScopeClaim = "scope";

    private const string FailureKey = "voice:auth-failure";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? presented = ReadPresentedKey(Request.Headers);
        if (presented is null)
        {
            return AuthenticateResult.NoResult();
        }
        if (!ApiKey.TryParse(presented, out var key))
        {
            return Fail("The API key is malformed. Keys look like vk_live_<id>_<secret>.");
        }

        var (check, identity) = await tenants.AuthenticateAsync(key.Value, Context.RequestAborted);
        switch (check)
        {
            case ApiKeyCheck.Valid:
                break;
            case ApiKeyCheck.Revoked:
                return Fail("The API key was revoked.");
            case ApiKeyCheck.Expired:
                return Fail("The API key has expired.");
            case ApiKeyCheck.TenantInactive:
                Context.Items[FailureKey] = new AuthFailure(StatusCodes.Status403Forbidden, Problems.Forbidden, "The tenant is not active.");
                return AuthenticateResult.Fail("tenant inactive");
            default:
                return Fail("The API key is not valid.");
        }

        string? claimedTenant = Request.Headers["X-Tenant-ID"];
        if (claimedTenant is not null
            && !string.Equals(claimedTenant, identity!.TenantSlug, StringComparison.Ordinal)
            && !(Guid.TryParse(claimedTenant, out var claimedId) && claimedId == identity.TenantId))
        {
            Context.Items[FailureKey] = new AuthFailure(StatusCodes.Status403Forbidden, Problems.Forbidden,
                "X-Tenant-ID does not match the API key's tenant.");
            return AuthenticateResult.Fail("tenant mismatch");
        }

        List<Claim> claims =
        [
            new(TenantIdClaim, identity!.TenantId.ToString()),
            new(TenantSlugClaim, identity.TenantSlug),
            new(KeyIdClaim, identity.KeyId),
            .. identity.Scopes.Select(s => new Claim(ScopeClaim, s)),
        ];
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failure = Context.Items[FailureKey] as AuthFailure
            ?? new AuthFailure(StatusCodes.Status401Unauthorized, Problems.Unauthenticated, "An API key is required.");
        if (failure.Status == StatusCodes.Status401Unauthorized)
        {
            Response.Headers.WWWAuthenticate = "Bearer";
        }
        await WriteProblemAsync(failure);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteProblemAsync(new AuthFailure(StatusCodes.Status403Forbidden, Problems.Forbidden, "The API key lacks the scope this operation needs."));

    private AuthenticateResult Fail(string detail)
    {
        Context.Items[FailureKey] = new AuthFailure(StatusCodes.Status401Unauthorized, Problems.Unauthenticated, detail);
        return AuthenticateResult.Fail(detail);
    }

    private async Task WriteProblemAsync(AuthFailure failure)
    {
        Response.StatusCode = failure.Status;
        var problems = Context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails
            {
                Status = failure.Status,
                Type = failure.Type,
                Title = failure.Status == StatusCodes.Status401Unauthorized ? "Authentication failed." : "Forbidden.",
                Detail = failure.Detail,
            },
        });
    }

    private static string? ReadPresentedKey(IHeaderDictionary headers)
    {
        string? authorization = headers.Authorization;
        if (authorization is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization["Bearer ".Length..].Trim();
        }
        string? apiKey = headers["X-API-Key"];
        return apiKey?.Trim();
    }

    private sealed record AuthFailure(int Status, string Type, string Detail);
}

public static class TenantPrincipalExtensions
{
    public static Guid TenantId(this ClaimsPrincipal user) =>
        Guid.Parse(user.FindFirstValue(ApiKeyAuthenticationHandler.TenantIdClaim)
            ?? throw new InvalidOperationException("The caller has no tenant: the endpoint must require authorization."));
}
