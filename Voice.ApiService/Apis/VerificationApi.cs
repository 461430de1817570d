using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Voice.ApiService.Accounts;
using Voice.ApiService.Model;
using Voice.ApiService.Security;

namespace Voice.ApiService.Apis;

/// <summary>
/// Email verification (<see cref="EmailVerifications"/>): the link mailed at sign-up carries a one-time token that
/// anyone holding it may redeem (the mail may be opened on another device); the signed-in user reads their state and
/// asks for a new mail, a few times an hour.
/// </summary>
public static class VerificationApi
{
    private static readonly TimeSpan ResendWindow = TimeSpan.FromHours(1);

    public static IEndpointRouteBuilder MapVerificationApi(this IEndpointRouteBuilder app)
    {
        var verify = app.MapGroup("/api/v1/auth/verify-email").WithTags("Accounts");
        verify.MapPost("/", VerifyAsync).AllowAnonymous().Accepts<VerifyEmailRequest>("application/json")
            .WithSummary("Verify an address with the token from the verification mail");
        verify.MapGet("/", GetAsync).RequireAuthorization()
            .WithSummary("The calling user's address and whether it is verified (portal sessions only)");
        verify.MapPost("/resend", ResendAsync).RequireAuthorization()
            .WithSummary("Mail the calling user a new verification link (portal sessions only; a few per hour)");
        return app;
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> VerifyAsync(
        HttpContext context, EmailVerifications verifications, AuthFailureLimiter limiter, CancellationToken cancellationToken)
    {
        if (await AuthThrottle.CheckAddressAsync(context, limiter, countAttempt: false) is { } throttled)
        {
            return throttled;
        }
        var (request, problem) = await JsonBody.ReadAsync(context, ApiJsonContext.Default.VerifyEmailRequest, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (!await verifications.VerifyAsync(request!.Token, cancellationToken))
        {
            return await AuthThrottle.InvalidTokenAsync(context, limiter, "This verification link is invalid, used or expired.",
                "Sign in and ask for a new one: POST /api/v1/auth/verify-email/resend.");
        }
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<EmailStatusView>, ProblemHttpResult>> GetAsync(
        HttpContext context, EmailVerifications verifications, CancellationToken cancellationToken)
    {
        if (UserOf(context) is not { } caller)
        {
            return SessionsOnly();
        }
        var status = await verifications.StatusAsync(caller.TenantId, caller.UserId!.Value, cancellationToken);
        return status is null
            ? Problems.Create(StatusCodes.Status404NotFound, Problems.NotFound, "User not found.")
            : TypedResults.Ok(new EmailStatusView(status.Email, status.VerifiedAt is not null, status.VerifiedAt));
    }

    public static async Task<Results<Accepted, ProblemHttpResult>> ResendAsync(
        HttpContext context, EmailVerifications verifications, WindowCounters counters, IOptions<SecurityOptions> options,
        IAccountMailer mailer, AccountMails mails, CancellationToken cancellationToken)
    {
        if (UserOf(context) is not { } caller)
        {
            return SessionsOnly();
        }
        var limit = new WindowLimit($"verification-mails:{caller.UserId}", ResendWindow, options.Value.VerificationMailsPerHour);
        if (await counters.CountAsync(limit) is { } wait)
        {
            return AuthThrottle.TooMany(context, wait, Problems.RateLimited, "Too many verification mails asked for.");
        }
        if (await verifications.IssueAsync(caller.TenantId, caller.UserId!.Value, cancellationToken) is not { } mail)
        {
            return Problems.Create(StatusCodes.Status409Conflict, Problems.Conflict, "This address is already verified.");
        }
        await mailer.SendAsync(mails.EmailVerification(mail.Email, mail.Token.ToString()), cancellationToken);
        return TypedResults.Accepted((string?)null);
    }

    private static CallerIdentity? UserOf(HttpContext context) =>
        context.Caller() is { Kind: CredentialKind.Session, UserId: not null } caller ? caller : null;

    private static ProblemHttpResult SessionsOnly() =>
        Problems.Create(StatusCodes.Status400BadRequest, Problems.BadRequest, "Only a portal session has an email address.", "Sign in to the portal as the user.");
}
