using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Voice.ApiService.Accounts;
using Voice.ApiService.Model;
using Voice.ApiService.Security;
using Voice.Core.Billing;

namespace Voice.ApiService.Apis;

/// <summary>
/// Plans and upgrades: the public comparison of the listed plans, a workspace owner's request for another plan,
/// and the operator's queue of requests to approve (the plan changes) or decline. No payment is taken here:
/// <see cref="UpgradeRequests"/> is the seam where a payment provider would plug in.
/// </summary>
public static class UpgradesApi
{
    public static IEndpointRouteBuilder MapUpgradesApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/plans", ListPlansAsync).AllowAnonymous().WithTags("Plans")
            .WithSummary("The plans on offer, smallest allowance first: monthly allowances, limits and prices");

        var own = app.MapGroup("/api/v1/tenant/upgrade-request").WithTags("Tenant");
        own.MapGet("/", GetOwnAsync).RequireAuthorization().WithSummary("The workspace's latest plan request and its state (404 when it never asked)");
        own.MapPost("/", RequestAsync).RequireAuthorization().Accepts<UpgradeRequestBody>("application/json")
            .WithSummary("Ask for another plan: the owner only, signed in; one open request at a time");

        var admin = app.MapGroup("/admin/v1/upgrade-requests").WithTags("Admin").RequireAuthorization(Policies.Admin);
        admin.MapGet("/", ListAsync).WithSummary("Plan requests of every workspace, newest first (?status=pending)");
        admin.MapPost("/{requestId}/approve", (string requestId, ClaimsPrincipal user, UpgradeRequests requests, CredentialAuthenticator authenticator, CancellationToken cancellationToken) =>
            DecideAsync(requestId, approve: true, user, requests, authenticator, cancellationToken)).WithSummary("Approve a pending request: the workspace's plan changes at once");
        admin.MapPost("/{requestId}/decline", (string requestId, ClaimsPrincipal user, UpgradeRequests requests, CredentialAuthenticator authenticator, CancellationToken cancellationToken) =>
            DecideAsync(requestId, approve: false, user, requests, authenticator, cancellationToken)).WithSummary("Decline a pending request: the plan stays");
        return app;
    }

    public static async Task<Ok<PlanOfferList>> ListPlansAsync(UpgradeRequests requests, PlanCatalog plans, CancellationToken cancellationToken)
    {
        var all = await plans.AllAsync(cancellationToken);
        var listed = await requests.ListedPlansAsync(cancellationToken);
        return TypedResults.Ok(new PlanOfferList([.. listed.Where(all.ContainsKey).Select(id => PlanOfferView.From(all[id]))]));
    }

    public static async Task<Results<Ok<UpgradeRequestView>, ProblemHttpResult>> GetOwnAsync(HttpContext context, UpgradeRequests requests, CancellationToken cancellationToken) =>
        await requests.LatestAsync(context.Caller().TenantId, cancellationToken) is { } request
            ? TypedResults.Ok(UpgradeRequestView.From(request))
            : Problems.Create(StatusCodes.Status404NotFound, Problems.NotFound, "No plan request yet.");

    public static async Task<Results<Created<UpgradeRequestView>, ProblemHttpResult>> RequestAsync(
        HttpContext context, UpgradeRequests requests, TeamStore team, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        if (caller.Kind != CredentialKind.Session || caller.UserId is not { } userId
            || await team.RoleOfAsync(caller.TenantId, userId, cancellationToken) != UserRoles.Owner)
        {
            return Problems.Create(StatusCodes.Status403Forbidden, Problems.Forbidden, "Only the workspace's owner can ask for another plan.",
                "Sign in to the portal as the owner.");
        }
        var (body, problem) = await JsonBody.ReadAsync(context, ApiJsonContext.Default.UpgradeRequestBody, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        string? note = string.IsNullOrWhiteSpace(body!.Note) ? null : body.Note.Trim();
        var listed = await requests.ListedPlansAsync(cancellationToken);
        if (body.Plan is not { } plan || !listed.Contains(plan))
        {
            return Problems.ValidationFailed(new() { ["plan"] = [$"One of: {string.Join(", ", listed)}."] });
        }
        if (plan == caller.Plan)
        {
            return Problems.ValidationFailed(new() { ["plan"] = ["The workspace is on this plan already."] });
        }
        if (note is { Length: > 500 })
        {
            return Problems.ValidationFailed(new() { ["note"] = ["At most 500 characters."] });
        }
        var request = await requests.CreateAsync(caller.TenantId, plan, caller.Plan, note, caller.Actor, cancellationToken);
        return request is null
            ? Problems.Create(StatusCodes.Status409Conflict, Problems.Conflict, "A plan request is already waiting.", "Wait for the operator's answer.")
            : TypedResults.Created("/api/v1/tenant/upgrade-request", UpgradeRequestView.From(request));
    }

    public static async Task<Results<Ok<UpgradeRequestList>, ProblemHttpResult>> ListAsync(UpgradeRequests requests, string? status, int? limit, CancellationToken cancellationToken)
    {
        if (status is not (null or UpgradeStatus.Pending or UpgradeStatus.Approved or UpgradeStatus.Declined))
        {
            return Problems.ValidationFailed(new() { ["status"] = ["'pending', 'approved' or 'declined'."] });
        }
        var list = await requests.ListAsync(status, Math.Clamp(limit ?? 100, 1, 500), cancellationToken);
        return TypedResults.Ok(new UpgradeRequestList([.. list.Select(UpgradeRequestView.From)]));
    }

    private static async Task<Results<Ok<UpgradeRequestView>, ProblemHttpResult>> DecideAsync(
        string requestId, bool approve, ClaimsPrincipal user, UpgradeRequests requests, CredentialAuthenticator authenticator, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(requestId, out var id))
        {
            return Problems.Create(StatusCodes.Status404NotFound, Problems.NotFound, "No such plan request.");
        }
        var (result, request) = await requests.DecideAsync(id, approve, OperatorTokens.ActorOf(user), cancellationToken);
        if (result == UpgradeDecision.Done)
        {
            authenticator.Forget(request!.TenantId); // credentials carry the plan: no replica may keep the old one from its cache
        }
        return result switch
        {
            UpgradeDecision.Done => TypedResults.Ok(UpgradeRequestView.From(request!)),
            UpgradeDecision.AlreadyDecided => Problems.Create(StatusCodes.Status409Conflict, Problems.Conflict, "This plan request was decided already."),
            _ => Problems.Create(StatusCodes.Status404NotFound, Problems.NotFound, "No such plan request."),
        };
    }
}
