using Microsoft.AspNetCore.Http.HttpResults;
using Voice.ApiService.Accounts;
using Voice.ApiService.Model;
using Voice.ApiService.Security;
using Voice.ApiService.Services;
using Voice.Core.Audit;

namespace Voice.ApiService.Apis;

/// <summary>
/// The tenant's people: members and roles, invitations by email. Managing them takes <c>keys:admin</c> (owners and
/// admins; keys given that scope) — adding a person is handing out a credential. Members see the list only through
/// the same scope: who has access is itself sensitive.
/// </summary>
public static class TeamApi
{
    private static readonly string[] InvitableRoles = [UserRoles.Admin, UserRoles.Member];

    public static IEndpointRouteBuilder MapTeamApi(this IEndpointRouteBuilder app)
    {
        var team = app.MapGroup("/api/v1/team").WithTags("Team").RequireAuthorization(Policies.Scope(Scopes.KeysAdmin));
        team.MapGet("/", ListAsync).WithSummary("Members with their roles, and open invitations");
        team.MapPost("/invites", InviteAsync).Accepts<InviteRequest>("application/json")
            .WithSummary("Invite an address as admin or member; the token is mailed, and in this answer once");
        team.MapDelete("/invites/{id}", RevokeInviteAsync).WithSummary("Withdraw an open invitation");
        team.MapPatch("/members/{id:guid}", ChangeRoleAsync).Accepts<RoleChange>("application/json").WithSummary("Make a member an admin, or an admin a member");
        team.MapDelete("/members/{id:guid}", RemoveAsync).WithSummary("Remove a member; their sessions end");
        return app;
    }

    public static async Task<Ok<TeamView>> ListAsync(HttpContext context, TeamStore team, CancellationToken cancellationToken)
    {
        var (members, invites) = await team.ListAsync(context.Caller().TenantId, cancellationToken);
        return TypedResults.Ok(new TeamView(
            [.. members.Select(m => new TeamMemberView(m.Id, m.Email, m.DisplayName, m.Role, m.CreatedAt, m.LastLoginAt))],
            [.. invites.Select(View)]));
    }

    public static async Task<Results<Created<CreatedInvite>, ProblemHttpResult>> InviteAsync(
        HttpContext context, TeamStore team, UserAccounts accounts, IAccountMailer mailer, AccountMails mails, CancellationToken cancellationToken)
    {
        var (request, problem) = await JsonBody.ReadAsync(context, ApiJsonContext.Default.InviteRequest, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var errors = new Dictionary<string, string[]>();
        string? email = Validation.Email(errors, "email", request!.Email);
        string role = request.Role ?? UserRoles.Member;
        if (!InvitableRoles.Contains(role))
        {
            errors["role"] = ["admin or member."];
        }
        if (errors.Count > 0)
        {
            return Problems.ValidationFailed(errors);
        }
        var caller = context.Caller();
        if (BeyondCaller(caller, role) is { } escalation)
        {
            return escalation;
        }
        var (result, token, invite) = await team.InviteAsync(caller.TenantId, email!, role, caller.Actor, cancellationToken);
        if (result == TeamChange.AlreadyMember)
        {
            return Problems.Create(StatusCodes.Status409Conflict, Problems.Conflict, "That address is already a member.");
        }
        var tenant = await accounts.GetTenantAsync(caller.TenantId, cancellationToken);
        await mailer.SendAsync(mails.Invitation(email!, tenant?.Name ?? caller.TenantSlug, role, token!.Value.ToString()), cancellationToken);
        return TypedResults.Created($"/api/v1/team/invites/{invite!.Id}", new CreatedInvite(token.Value.ToString(), View(invite)));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeInviteAsync(string id, HttpContext context, TeamStore team, AuditLog audit, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        if (id.Length > CredentialToken.IdLength || !await team.RevokeInviteAsync(caller.TenantId, id, caller.Actor, cancellationToken))
        {
            await audit.RecordForeignAccessAsync(caller.TenantId, "invite", id, caller.Actor, cancellationToken);
            return Problems.Create(StatusCodes.Status404NotFound, Problems.NotFound, "No such open invitation.");
        }
        return TypedResults.NoContent();
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> ChangeRoleAsync(
        Guid id, HttpContext context, TeamStore team, CredentialAuthenticator authenticator, AuditLog audit, CancellationToken cancellationToken)
    {
        var (request, problem) = await JsonBody.ReadAsync(context, ApiJsonContext.Default.RoleChange, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var caller = context.Caller();
        if (request!.Role is not { } role || !InvitableRoles.Contains(role))
        {
            // A member that is not the caller's is not found, whatever the body says: the answer never depends on another tenant's ids.
            return await team.RoleOfAsync(caller.TenantId, id, cancellationToken) is null
                ? await AnswerAsync(TeamChange.NotFound, caller, id, authenticator, audit, cancellationToken)
                : Problems.ValidationFailed(new() { ["role"] = ["admin or member."] });
        }
        if (BeyondCaller(caller, role) is { } escalation)
        {
            return escalation;
        }
        var result = await team.ChangeRoleAsync(caller.TenantId, id, role, caller.UserId, caller.Actor, cancellationToken);
        return await AnswerAsync(result, caller, id, authenticator, audit, cancellationToken);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RemoveAsync(
        Guid id, HttpContext context, TeamStore team, CredentialAuthenticator authenticator, AuditLog audit, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        var result = await team.RemoveAsync(caller.TenantId, id, caller.UserId, caller.Actor, cancellationToken);
        return await AnswerAsync(result, caller, id, authenticator, audit, cancellationToken);
    }

    /// <summary>
    /// A person is a credential: inviting one, or changing their role, may not give more scopes than the caller has
    /// (as a key may not create a wider key), so a <c>keys:admin</c>-only key cannot mint itself a full session.
    /// </summary>
    private static ProblemHttpResult? BeyondCaller(CallerIdentity caller, string role) =>
        Scopes.ForRole(role).All(caller.Scopes.Contains)
            ? null
            : Problems.Create(StatusCodes.Status403Forbidden, Problems.Forbidden, $"This credential cannot make someone {(role == UserRoles.Admin ? "an admin" : "a member")}.",
                $"The role's scopes ({string.Join(", ", Scopes.ForRole(role))}) go beyond this credential's ({string.Join(", ", caller.Scopes)}).");

    private static async Task<Results<NoContent, ProblemHttpResult>> AnswerAsync(
        TeamChange result, CallerIdentity caller, Guid userId, CredentialAuthenticator authenticator, AuditLog audit, CancellationToken cancellationToken)
    {
        switch (result)
        {
            case TeamChange.Done:
                authenticator.Forget(caller.TenantId); // sessions carry the role: no replica may keep the old one
                return TypedResults.NoContent();
            case TeamChange.Owner:
                return Problems.Create(StatusCodes.Status409Conflict, Problems.Conflict, "The owner's role and membership cannot change.",
                    "The owner can delete the workspace in its settings.");
            case TeamChange.Self:
                return Problems.Create(StatusCodes.Status409Conflict, Problems.Conflict, "You cannot change your own role or remove yourself.",
                    "Another admin can.");
            default:
                await audit.RecordForeignAccessAsync(caller.TenantId, "user", userId.ToString(), caller.Actor, cancellationToken);
                return Problems.Create(StatusCodes.Status404NotFound, Problems.NotFound, "No such member.");
        }
    }

    private static TeamInviteView View(TeamInvite invite) =>
        new(invite.Id, invite.Email, invite.Role, invite.CreatedBy, invite.CreatedAt, invite.ExpiresAt);
}
