using Microsoft.AspNetCore.Http.HttpResults;
using Voice.ApiService.Accounts;
using Voice.ApiService.Model;
using Voice.ApiService.Security;
using Voice.ApiService.Services;

namespace Voice.ApiService.Apis;

/// <summary>
/// Portal accounts: sign-up creates a tenant and its owner; login answers a session token (<c>vs_…</c>) that
/// the portal keeps in its encrypted cookie and sends as a bearer credential. Failed logins and sign-ups
/// count against the caller address's budget (<see cref="AuthFailureLimiter"/>); failed logins also against the
/// account's and the tenant's (<see cref="LoginGuard"/>); sign-ups are capped per network (<see cref="SignUpCap"/>)
/// and mail the owner an address verification (<see cref="VerificationApi"/>).
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
        auth.MapPost("/password-reset", RequestPasswordResetAsync).AllowAnonymous().Accepts<PasswordResetRequest>("application/json")
            .WithSummary("Mail a password-reset link to a user (answers 202 whether or not the address exists)");
        auth.MapPost("/password-reset/confirm", ResetPasswordAsync).AllowAnonymous().Accepts<PasswordResetConfirmation>("application/json")
            .WithSummary("Set a new password with a reset token; every session of the user ends");
        auth.MapPost("/accept-invite", AcceptInviteAsync).AllowAnonymous().Accepts<AcceptInviteRequest>("application/json")
            .WithSummary("Join a tenant with an invitation token; answers a session");

        app.MapGet("/admin/v1/mailbox", ReadMailboxAsync).RequireAuthorization(Policies.Admin).WithTags("Admin")
            .WithSummary("Development mailbox: the account mails held for an address (?to=), newest first");
        return app;
    }

    public static async Task<Results<Created<SessionView>, ProblemHttpResult>> SignUpAsync(
        HttpContext context, UserAccounts accounts, AuthFailureLimiter limiter, SignUpCap cap, EmailVerifications verifications,
        IAccountMailer mailer, AccountMails mails, CancellationToken cancellationToken)
    {
        if (await AuthThrottle.CheckAddressAsync(context, limiter, countAttempt: true) is { } throttled)
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
        if (await cap.CountAsync(context.Connection.RemoteIpAddress) is { } wait)
        {
            return AuthThrottle.TooMany(context, wait, Problems.TooManySignUps, "Too many sign-ups from this network.");
        }
        var (result, session) = await accounts.SignUpAsync(name!, slug!, email!, password!, cancellationToken);
        if (result == SignUpResult.SlugTaken)
        {
            return Problems.Create(StatusCodes.Status409Conflict, Problems.Conflict, "That tenant slug is taken.", "Choose another slug.");
        }
        if (await verifications.IssueAsync(session!.TenantId, session.UserId, cancellationToken) is { } mail)
        {
            await mailer.SendAsync(mails.EmailVerification(mail.Email, mail.Token.ToString()), cancellationToken);
        }
        return TypedResults.Created("/api/v1/tenant", View(session));
    }

    /// <summary>
    /// Failures count against the address, the account and the tenant (<see cref="LoginGuard"/>). A locked account or
    /// tenant answers 429 before its password is checked, so a right guess during the lock reveals nothing.
    /// </summary>
    public static async Task<Results<Ok<SessionView>, ProblemHttpResult>> LoginAsync(
        HttpContext context, UserAccounts accounts, AuthFailureLimiter limiter, LoginGuard guard, CancellationToken cancellationToken)
    {
        if (await AuthThrottle.CheckAddressAsync(context, limiter, countAttempt: false) is { } throttled)
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
        if (await guard.RetryAfterAsync(request.Tenant, request.Email) is { } locked)
        {
            return AuthThrottle.TooMany(context, locked, title: "Too many failed logins to this account or workspace.");
        }
        var (result, session) = await accounts.LoginAsync(request.Tenant.Trim(), request.Email.Trim(), request.Password, cancellationToken);
        switch (result)
        {
            case LoginResult.LoggedIn:
                return TypedResults.Ok(View(session!));
            case LoginResult.TenantSuspended:
                return Problems.Create(StatusCodes.Status403Forbidden, Problems.TenantSuspended, "The tenant is suspended.");
            default:
                var account = guard.RecordFailureAsync(request.Tenant, request.Email);
                if (await limiter.RecordFailureAsync(context.Connection.RemoteIpAddress) is { } wait)
                {
                    await account;
                    return AuthThrottle.TooMany(context, wait);
                }
                await account;
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

    /// <summary>
    /// Always 202 for a well-formed request, so the answer does not say which addresses exist; a real user of an active
    /// tenant is mailed a 30-minute token. Each request counts against the address's failure budget (it is a way to
    /// probe and to send mail), so it cannot be used to flood someone's inbox.
    /// </summary>
    public static async Task<Results<Accepted, ProblemHttpResult>> RequestPasswordResetAsync(
        HttpContext context, PasswordResets resets, IAccountMailer mailer, AccountMails mails, AuthFailureLimiter limiter, CancellationToken cancellationToken)
    {
        if (await AuthThrottle.CheckAddressAsync(context, limiter, countAttempt: true) is { } throttled)
        {
            return throttled;
        }
        var (request, problem) = await JsonBody.ReadAsync(context, ApiJsonContext.Default.PasswordResetRequest, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var errors = new Dictionary<string, string[]>();
        string? slug = Validation.Slug(errors, "tenant", request!.Tenant?.Trim());
        string? email = Validation.Email(errors, "email", request.Email);
        if (errors.Count > 0)
        {
            return Problems.ValidationFailed(errors);
        }
        if (await resets.RequestAsync(slug!, email!, cancellationToken) is { } mail)
        {
            await mailer.SendAsync(mails.PasswordReset(mail.Email, mail.Token.ToString()), cancellationToken);
        }
        return TypedResults.Accepted((string?)null);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> ResetPasswordAsync(
        HttpContext context, PasswordResets resets, CredentialAuthenticator authenticator, AuthFailureLimiter limiter, CancellationToken cancellationToken)
    {
        if (await AuthThrottle.CheckAddressAsync(context, limiter, countAttempt: false) is { } throttled)
        {
            return throttled;
        }
        var (request, problem) = await JsonBody.ReadAsync(context, ApiJsonContext.Default.PasswordResetConfirmation, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var errors = new Dictionary<string, string[]>();
        string? password = Validation.Password(errors, "password", request!.Password, email: null);
        if (errors.Count > 0)
        {
            return Problems.ValidationFailed(errors);
        }
        if (await resets.ResetAsync(request.Token, password!, cancellationToken) is not { } tenantId)
        {
            return await AuthThrottle.InvalidTokenAsync(context, limiter, "This reset link is invalid, used or expired.", "Ask for a new one.");
        }
        authenticator.Forget(tenantId); // the user's sessions ended: no replica may keep accepting them from its cache
        return TypedResults.NoContent();
    }

    public static async Task<Results<Created<SessionView>, ProblemHttpResult>> AcceptInviteAsync(
        HttpContext context, TeamStore team, AuthFailureLimiter limiter, CancellationToken cancellationToken)
    {
        if (await AuthThrottle.CheckAddressAsync(context, limiter, countAttempt: false) is { } throttled)
        {
            return throttled;
        }
        var (request, problem) = await JsonBody.ReadAsync(context, ApiJsonContext.Default.AcceptInviteRequest, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var errors = new Dictionary<string, string[]>();
        string? password = Validation.Password(errors, "password", request!.Password, email: null);
        string? displayName = Validation.Name(errors, "display_name", request.DisplayName, required: false);
        if (errors.Count > 0)
        {
            return Problems.ValidationFailed(errors);
        }
        var (result, session) = await team.AcceptAsync(request.Token, password!, displayName, cancellationToken);
        return result switch
        {
            TeamChange.Done => TypedResults.Created("/api/v1/tenant", View(session!)),
            TeamChange.AlreadyMember => Problems.Create(StatusCodes.Status409Conflict, Problems.Conflict, "This address is already a member.", "Log in instead."),
            _ => await AuthThrottle.InvalidTokenAsync(context, limiter, "This invitation is invalid, used or expired.", "Ask for a new invitation."),
        };
    }

    public static async Task<Results<Ok<IReadOnlyList<AccountMessage>>, ProblemHttpResult>> ReadMailboxAsync(string? to, IServiceProvider services)
    {
        if (services.GetService<DevelopmentMailbox>() is not { } mailbox)
        {
            return Problems.Create(StatusCodes.Status404NotFound, Problems.NotFound, "There is no development mailbox.", "Accounts:Mailbox is not 'development'.");
        }
        if (string.IsNullOrWhiteSpace(to))
        {
            return Problems.ValidationFailed(new() { ["to"] = ["The address whose mail to read."] });
        }
        return TypedResults.Ok(await mailbox.ReadAsync(to));
    }

    private static SessionView View(PortalSession session) =>
        new(session.Token.ToString(), session.ExpiresAt, session.TenantId, session.TenantSlug, session.UserId, session.Role);
}
