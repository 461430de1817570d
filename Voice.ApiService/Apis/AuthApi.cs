using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Voice.ApiService.Model;
using Voice.ApiService.Security;
using Voice.Core.Tenancy;

namespace Voice.ApiService.Apis;

/// <summary>
/// Portal accounts: sign-up creates a tenant and its owner; login answers a session token (<c>vs_…</c>) that
/// the portal keeps in its encrypted cookie and sends as a bearer credential. Failed logins and sign-ups
/// count against the caller address's budget (<see cref="AuthFailureLimiter"/>).
/// </summary>
public static class AuthApi
{
    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/v1/auth").WithTags("Accounts");
        auth.MapPost("/signup", SignUpAsync).AllowAnonymous().Accepts<SignUpRequest>("application/json")
            .WithSummary("Create a tenant and its owner; answers a session");
        auth.MapPost("/login", LoginAsync).AllowAnonymous().Accepts<LoginRequest>("application/json")
            .WithSummary("Log in to a tenant with email and password; answers a session");
        auth.MapPost("/logout", LogoutAsync).RequireAuthorization()
            .WithSummary("End the calling session");
        return app;
    }

    public static async Task<Results<Created<SessionView>, ProblemHttpResult>> SignUpAsync(
        HttpContext context, UserAccounts accounts, AuthFailureLimiter limiter, CancellationToken cancellationToken)
    {
        if (await ThrottleAsync(context, limiter, countAttempt: true) is { } throttled)
        {
            return throttled;
        }
        var (request, problem) = await JsonBody.ReadAsync(context, ApiJsonContext.Default.SignUpRequest, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var errors = new Dictionary<string, string[]>();
        string? name = Validation.Name(errors, "tenant_name", request!.TenantName);
        string? slug = Validation.Slug(errors, "slug", request.Slug);
        string? email = Validation.Email(errors, "email", request.Email);
        string? password = Validation.Password(errors, "password", request.Password, email);
        if (errors.Count > 0)
        {
            return Problems.ValidationFailed(errors);
        }
        var (result, session) = await accounts.SignUpAsync(name!, slug!, email!, password!, cancellationToken);
        if (result == SignUpResult.SlugTaken)
        {
            return Problems.Create(StatusCodes.Status409Conflict, Problems.Conflict, "That tenant slug is taken.", "Choose another slug.");
        }
        return TypedResults.Created("/api/v1/tenant", View(session!));
    }

    public static async Task<Results<Ok<SessionView>, ProblemHttpResult>> LoginAsync(
        HttpContext context, UserAccounts accounts, AuthFailureLimiter limiter, CancellationToken cancellationToken)
    {
        if (await ThrottleAsync(context, limiter, countAttempt: false) is { } throttled)
        {
            return throttled;
        }
        var (request, problem) = await JsonBody.ReadAsync(context, ApiJsonContext.Default.LoginRequest, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (string.IsNullOrWhiteSpace(request!.Tenant) || string.IsNullOrWhiteSpace(request.Email) || string.IsNullOrEmpty(request.Password)
            || request.Password.Length > PasswordHasher.MaximumLength || request.Tenant.Length > 40 || request.Email.Length > 254)
        {
            return Problems.ValidationFailed(new() { ["login"] = ["tenant, email and password are required."] });
        }
        var (result, session) = await accounts.LoginAsync(request.Tenant.Trim(), request.Email.Trim(), request.Password, cancellationToken);
        switch (result)
        {
            case LoginResult.LoggedIn:
                return TypedResults.Ok(View(session!));
            case LoginResult.TenantSuspended:
                return Problems.Create(StatusCodes.Status403Forbidden, Problems.TenantSuspended, "The tenant is suspended.");
            default:
                if (await limiter.RecordFailureAsync(context.Connection.RemoteIpAddress) is { } wait)
                {
                    return TooMany(context, wait);
                }
                return Problems.Create(StatusCodes.Status401Unauthorized, Problems.Unauthenticated, "Wrong tenant, email or password.");
        }
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> LogoutAsync(HttpContext context, UserAccounts accounts, CredentialAuthenticator authenticator, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        if (caller.Kind != CredentialKind.Session)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, Problems.BadRequest, "Only a portal session can log out.", "Revoke API keys with DELETE /api/v1/keys/{id}.");
        }
        await accounts.LogoutAsync(caller.TenantId, caller.CredentialId, cancellationToken);
        authenticator.Forget(caller.TenantId, caller.CredentialId);
        return TypedResults.NoContent();
    }

    private static SessionView View(PortalSession session) =>
        new(session.Token.ToString(), session.ExpiresAt, session.TenantId, session.TenantSlug, session.UserId, session.Role);

    private static async Task<ProblemHttpResult?> ThrottleAsync(HttpContext context, AuthFailureLimiter limiter, bool countAttempt)
    {
        var address = context.Connection.RemoteIpAddress;
        var wait = limiter.RetryAfter(address) ?? (countAttempt ? await limiter.RecordFailureAsync(address) : null);
        return wait is { } w ? TooMany(context, w) : null;
    }

    private static ProblemHttpResult TooMany(HttpContext context, TimeSpan wait)
    {
        context.Response.Headers.RetryAfter = Math.Ceiling(wait.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        return Problems.Create(StatusCodes.Status429TooManyRequests, Problems.TooManyAuthFailures,
            "Too many attempts from this address.", "Wait before trying again.");
    }
}
