using Microsoft.AspNetCore.Http.HttpResults;
using Voice.ApiService.Accounts;
using Voice.ApiService.Model;
using Voice.ApiService.Security;

namespace Voice.ApiService.Apis;

/// <summary>
/// Logging in without knowing the workspace's id: email and password answer the workspaces where they match and a
/// one-time token to choose one (<see cref="EmailLogins"/>); a forgotten workspace id is mailed on request. Both are
/// anonymous and throttled like <c>POST /api/v1/auth/login</c>, which stays for clients that name the workspace.
/// </summary>
public static class WorkspaceLoginApi
{
    public static IEndpointRouteBuilder MapWorkspaceLoginApi(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/v1/auth").WithTags("Accounts");
        auth.MapPost("/login/email", LoginByEmailAsync).AllowAnonymous().Accepts<EmailLoginRequest>("application/json")
            .WithSummary("Check email and password in every workspace of the address; answers those that match and a token to choose one");
        auth.MapPost("/login/choose", ChooseAsync).AllowAnonymous().Accepts<ChooseWorkspaceRequest>("application/json")
            .WithSummary("Start a session in one of the workspaces a choice token offers (the token works once, for five minutes)");
        auth.MapPost("/find-workspaces", FindWorkspacesAsync).AllowAnonymous().Accepts<FindWorkspacesRequest>("application/json")
            .WithSummary("Mail the address the list of its workspaces (answers 202 whether or not the address exists)");
        return app;
    }

    /// <summary>
    /// Failures count against the caller's address and against the email (its own budget in <see cref="LoginGuard"/>);
    /// an unknown email and a wrong password get the same 401.
    /// </summary>
    public static async Task<Results<Ok<EmailLoginView>, ProblemHttpResult>> LoginByEmailAsync(
        HttpContext context, EmailLogins logins, AuthFailureLimiter limiter, LoginGuard guard, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (await AuthThrottle.CheckAddressAsync(context, limiter, countAttempt: false) is { } throttled)
        {
            return throttled;
        }
        var (request, problem) = await JsonBody.ReadAsync(context, ApiJsonContext.Default.EmailLoginRequest, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (string.IsNullOrWhiteSpace(request!.Email) || string.IsNullOrEmpty(request.Password)
            || request.Password.Length > PasswordHasher.MaximumLength || request.Email.Length > 254)
        {
            return Problems.ValidationFailed(new() { ["login"] = ["email and password are required."] });
        }
        string email = request.Email.Trim();
        if (await guard.RetryAfterByEmailAsync(email) is { } locked)
        {
            return AuthThrottle.TooMany(context, locked, title: "Too many failed logins to this account.");
        }
        var (result, token, workspaces) = await logins.AuthenticateAsync(email, request.Password, cancellationToken);
        switch (result)
        {
            case EmailLoginResult.Chosen:
                return TypedResults.Ok(new EmailLoginView(token!, clock.GetUtcNow() + EmailLogins.ChoiceLifetime,
                    [.. workspaces.Select(w => new WorkspaceChoiceView(w.Slug, w.Name, w.Role))]));
            case EmailLoginResult.TenantSuspended:
                return Problems.Create(StatusCodes.Status403Forbidden, Problems.TenantSuspended, "The workspace is suspended.");
            default:
                var account = guard.RecordFailureByEmailAsync(email);
                if (await limiter.RecordFailureAsync(context.Connection.RemoteIpAddress) is { } wait)
                {
                    await account;
                    return AuthThrottle.TooMany(context, wait);
                }
                await account;
                return Problems.Create(StatusCodes.Status401Unauthorized, Problems.Unauthenticated, "Wrong email or password.");
        }
    }

    public static async Task<Results<Ok<SessionView>, ProblemHttpResult>> ChooseAsync(
        HttpContext context, EmailLogins logins, AuthFailureLimiter limiter, CancellationToken cancellationToken)
    {
        if (await AuthThrottle.CheckAddressAsync(context, limiter, countAttempt: false) is { } throttled)
        {
            return throttled;
        }
        var (request, problem) = await JsonBody.ReadAsync(context, ApiJsonContext.Default.ChooseWorkspaceRequest, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (string.IsNullOrWhiteSpace(request!.ChoiceToken) || string.IsNullOrWhiteSpace(request.Tenant) || request.Tenant.Length > 40)
        {
            return Problems.ValidationFailed(new() { ["choice_token"] = ["choice_token and tenant are required."] });
        }
        if (await logins.ChooseAsync(request.ChoiceToken.Trim(), request.Tenant.Trim().ToLowerInvariant(), cancellationToken) is not { } session)
        {
            return await AuthThrottle.InvalidTokenAsync(context, limiter, "This choice is invalid, used or expired.", "Log in again.");
        }
        return TypedResults.Ok(new SessionView(session.Token.ToString(), session.ExpiresAt, session.TenantId, session.TenantSlug, session.UserId, session.Role));
    }

    /// <summary>Like a password reset: always 202, each request costs the address one failure, so it can neither probe nor flood an inbox.</summary>
    public static async Task<Results<Accepted, ProblemHttpResult>> FindWorkspacesAsync(
        HttpContext context, EmailLogins logins, IAccountMailer mailer, AccountMails mails, AuthFailureLimiter limiter, CancellationToken cancellationToken)
    {
        if (await AuthThrottle.CheckAddressAsync(context, limiter, countAttempt: true) is { } throttled)
        {
            return throttled;
        }
        var (request, problem) = await JsonBody.ReadAsync(context, ApiJsonContext.Default.FindWorkspacesRequest, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var errors = new Dictionary<string, string[]>();
        string? email = Validation.Email(errors, "email", request!.Email);
        if (errors.Count > 0)
        {
            return Problems.ValidationFailed(errors);
        }
        var active = (await logins.FindAsync(email!, cancellationToken)).Where(a => a.Status == TenantStatus.Active).ToList();
        if (active.Count > 0)
        {
            await mailer.SendAsync(mails.Workspaces(email!, [.. active.Select(a => (a.Slug, a.Name))]), cancellationToken);
        }
        return TypedResults.Accepted((string?)null);
    }
}
