using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Voice.ApiService.Accounts;
using Voice.ApiService.Model;
using Voice.ApiService.Security;
using Voice.Core.Billing;
using Voice.Core.Jobs;
using Voice.Core.Storage;
using Voice.Speech.Engines;

namespace Voice.ApiService.Apis;

/// <summary>
/// The operator's API (<c>/admin/v1</c>, operator tokens only): tenants, their plans, status and keys, usage and
/// audit; every change is attributed to the operator (<see cref="OperatorTokens.ActorOf"/>). It is the only code that uses the <c>voice_admin</c> role, which bypasses row-level security.
/// </summary>
public static class AdminApi
{
    public static readonly IReadOnlyList<string> Statuses = [TenantStatus.Active, TenantStatus.Suspended];

    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin/v1/tenants").WithTags("Admin").RequireAuthorization(Policies.Admin);

        admin.MapPost("/", CreateAsync).Accepts<CreateTenantRequest>("application/json").WithSummary("Create a tenant");
        admin.MapGet("/", ListAsync).WithSummary("List tenants (paged by id)");
        admin.MapGet("/{tenantId:guid}", GetAsync).WithSummary("One tenant");
        admin.MapPatch("/{tenantId:guid}", UpdateAsync).Accepts<UpdateTenantRequest>("application/json")
            .WithSummary("Rename, change plan, suspend or reactivate a tenant");
        admin.MapDelete("/{tenantId:guid}", DeleteAsync).WithSummary("Delete a tenant with all its rows and stored audio");
        admin.MapPost("/{tenantId:guid}/keys", IssueKeyAsync).Accepts<CreateKeyRequest>("application/json").WithSummary("Issue a key to a tenant");
        admin.MapDelete("/{tenantId:guid}/keys/{keyId}", RevokeKeyAsync).WithSummary("Revoke a tenant's key");
        admin.MapGet("/{tenantId:guid}/usage", UsageAsync).WithSummary("A tenant's usage over a period (default: this month)");

        var dead = app.MapGroup("/admin/v1/dead-letters").WithTags("Admin").RequireAuthorization(Policies.Admin);
        dead.MapGet("/", ListDeadLettersAsync).WithSummary("Jobs that failed on every attempt, newest first");
        dead.MapPost("/{entryId}/requeue", RequeueAsync).WithSummary("Give a dead-lettered job a fresh set of attempts");

        var plans = app.MapGroup("/admin/v1/plans").WithTags("Admin").RequireAuthorization(Policies.Admin);
        plans.MapGet("/", ListPlansAsync).WithSummary("Every plan with its limits and prices");
        plans.MapGet("/{planId}", GetPlanAsync).WithSummary("One plan");
        plans.MapPost("/", CreatePlanAsync).Accepts<PlanRequest>("application/json").WithSummary("Create a plan (missing fields take the smallest allowances)");
        plans.MapPatch("/{planId}", UpdatePlanAsync).Accepts<PlanRequest>("application/json")
            .WithSummary("Change a plan's limits or prices; takes effect for its tenants at once");

        app.MapGet("/admin/v1/usage", UsageByTenantAsync).WithTags("Admin").RequireAuthorization(Policies.Admin)
            .WithSummary("Usage and cost of every tenant over a period (default: this month)");
        return app;
    }

    public static async Task<Results<Created<TenantView>, ProblemHttpResult>> CreateAsync(
        HttpContext context, TenantAdministration administration, CancellationToken cancellationToken)
    {
        var (request, problem) = await JsonBody.ReadAsync(context, ApiJsonContext.Default.CreateTenantRequest, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var errors = new Dictionary<string, string[]>();
        string? slug = Validation.Slug(errors, "slug", request!.Slug);
        string? name = Validation.Name(errors, "name", request.Name);
        if (errors.Count > 0)
        {
            return Problems.ValidationFailed(errors);
        }
        var (result, tenant) = await administration.CreateTenantAsync(slug!, name!, request.Plan ?? "free", cancellationToken);
        return result switch
        {
            AdminChange.Done => TypedResults.Created($"/admin/v1/tenants/{tenant!.Id}", TenantApi.View(tenant)),
            AdminChange.SlugTaken => Problems.Create(StatusCodes.Status409Conflict, Problems.Conflict, "That tenant slug is taken."),
            _ => UnknownPlan(request.Plan),
        };
    }

    public static async Task<Ok<TenantList>> ListAsync(TenantAdministration administration, int? limit, Guid? after, CancellationToken cancellationToken)
    {
        int pageSize = Math.Clamp(limit ?? 100, 1, 500);
        var tenants = await administration.ListTenantsAsync(pageSize, after, cancellationToken);
        return TypedResults.Ok(new TenantList([.. tenants.Select(TenantApi.View)], tenants.Count == pageSize ? tenants[^1].Id : null));
    }

    public static async Task<Results<Ok<TenantView>, ProblemHttpResult>> GetAsync(Guid tenantId, TenantAdministration administration, CancellationToken cancellationToken) =>
        await administration.GetTenantAsync(tenantId, cancellationToken) is { } tenant ? TypedResults.Ok(TenantApi.View(tenant)) : TenantNotFound(tenantId);

    public static async Task<Results<Ok<TenantView>, ProblemHttpResult>> UpdateAsync(
        Guid tenantId, HttpContext context, TenantAdministration administration, CredentialAuthenticator authenticator, CancellationToken cancellationToken)
    {
        var (request, problem) = await JsonBody.ReadAsync(context, ApiJsonContext.Default.UpdateTenantRequest, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var errors = new Dictionary<string, string[]>();
        string? name = Validation.Name(errors, "name", request!.Name, required: false);
        if (request.Status is not null && !Statuses.Contains(request.Status))
        {
            errors["status"] = [$"One of: {string.Join(", ", Statuses)}."];
        }
        if (errors.Count > 0)
        {
            return Problems.ValidationFailed(errors);
        }
        var (result, tenant) = await administration.UpdateTenantAsync(tenantId, name, request.Plan, request.Status, OperatorTokens.ActorOf(context.User), cancellationToken);
        authenticator.Forget(tenantId);
        return result switch
        {
            AdminChange.Done => TypedResults.Ok(TenantApi.View(tenant!)),
            AdminChange.NotFound => TenantNotFound(tenantId),
            _ => UnknownPlan(request.Plan),
        };
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        Guid tenantId, ClaimsPrincipal user, TenantAdministration administration, BlobStore blobs, CredentialAuthenticator authenticator, CancellationToken cancellationToken)
    {
        // Blobs first: if that fails the tenant still exists and the delete can be retried; the reverse
        // order could leave orphaned audio with nothing pointing at it.
        if (await administration.GetTenantAsync(tenantId, cancellationToken) is null)
        {
            return TenantNotFound(tenantId);
        }
        await blobs.DeleteTenantAsync(tenantId, cancellationToken);
        await administration.DeleteTenantAsync(tenantId, OperatorTokens.ActorOf(user), cancellationToken);
        authenticator.Forget(tenantId);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Created<CreatedKey>, ProblemHttpResult>> IssueKeyAsync(
        Guid tenantId, HttpContext context, TenantAdministration administration, TimeProvider clock, CancellationToken cancellationToken)
    {
        var (request, problem) = await JsonBody.ReadAsync(context, ApiJsonContext.Default.CreateKeyRequest, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var errors = new Dictionary<string, string[]>();
        string? name = Validation.Name(errors, "name", request!.Name);
        var scopes = Validation.KeyScopes(errors, "scopes", request.Scopes, Scopes.All);
        Validation.FutureOrNull(errors, "expires_at", request.ExpiresAt, clock);
        if (errors.Count > 0)
        {
            return Problems.ValidationFailed(errors);
        }
        if (await administration.IssueKeyAsync(tenantId, name!, scopes!, request.ExpiresAt, OperatorTokens.ActorOf(context.User), cancellationToken) is not var (token, info))
        {
            return TenantNotFound(tenantId);
        }
        return TypedResults.Created($"/admin/v1/tenants/{tenantId}/keys/{info.Id}", new CreatedKey(token.ToString(), KeysApi.View(info)));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeKeyAsync(
        Guid tenantId, string keyId, ClaimsPrincipal user, TenantAdministration administration, CredentialAuthenticator authenticator, CancellationToken cancellationToken)
    {
        if (!await administration.RevokeKeyAsync(tenantId, keyId, OperatorTokens.ActorOf(user), cancellationToken))
        {
            return Problems.Create(StatusCodes.Status404NotFound, Problems.NotFound, "Key not found.");
        }
        authenticator.Forget(tenantId, keyId);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<UsageView>, ProblemHttpResult>> UsageAsync(
        Guid tenantId, DateTimeOffset? from, DateTimeOffset? to, TenantAdministration administration, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (await administration.GetTenantAsync(tenantId, cancellationToken) is null)
        {
            return TenantNotFound(tenantId);
        }
        var now = clock.GetUtcNow();
        var start = from ?? new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var end = to ?? now.AddSeconds(1);
        if (end <= start)
        {
            return Problems.ValidationFailed(new() { ["to"] = ["Must be after 'from'."] });
        }
        var usage = await administration.UsageAsync(tenantId, start, end, cancellationToken);
        return TypedResults.Ok(new UsageView(usage.From, usage.To, usage.Jobs, usage.Completed, usage.Failed, usage.Characters, usage.AudioSeconds));
    }

    public static async Task<Ok<DeadLetterList>> ListDeadLettersAsync(JobQueue queue, int? limit) =>
        TypedResults.Ok(new DeadLetterList([.. (await queue.ListDeadLettersAsync(Math.Clamp(limit ?? 100, 1, 1000)))
            .Select(d => new DeadLetterView(d.Id, d.JobId, d.TenantId, d.Attempts, d.Reason, d.At, d.Pool))]));

    public static async Task<Results<Accepted, ProblemHttpResult>> RequeueAsync(
        string entryId, ClaimsPrincipal user, JobQueue queue, TenantAdministration administration, PlanCatalog plans, SpeechEngineDescriptor engine, CancellationToken cancellationToken)
    {
        if (entryId.Length > 40 || !entryId.All(c => char.IsAsciiDigit(c) || c == '-'))
        {
            return Problems.ValidationFailed(new() { ["entry_id"] = ["A dead-letter id such as 1732800000000-0."] });
        }
        if (await queue.TakeDeadLetterAsync(entryId) is not { } letter)
        {
            return Problems.Create(StatusCodes.Status404NotFound, Problems.NotFound, "Dead letter not found.");
        }
        if (await administration.ResetFailedJobAsync(letter.JobId, OperatorTokens.ActorOf(user), cancellationToken) is not var (tenantId, plan, pool))
        {
            return Problems.Create(StatusCodes.Status409Conflict, Problems.TaskFinished, "The job is no longer failed; nothing to requeue.");
        }
        // Back to the pool it was routed to (a job from before pools existed: the configured engine's pool, the one there was).
        await queue.EnqueueAsync(pool ?? engine.Name, letter.JobId, tenantId, await plans.QueueWeightAsync(plan, cancellationToken), cancellationToken);
        return TypedResults.Accepted($"/admin/v1/dead-letters");
    }

    public static async Task<Ok<PlanList>> ListPlansAsync(PlanStore plans, CancellationToken cancellationToken) =>
        TypedResults.Ok(new PlanList([.. (await plans.ListAsync(cancellationToken)).Select(PlanView.From)]));

    public static async Task<Results<Ok<PlanView>, ProblemHttpResult>> GetPlanAsync(string planId, PlanStore plans, CancellationToken cancellationToken) =>
        await plans.GetAsync(planId, cancellationToken) is { } plan ? TypedResults.Ok(PlanView.From(plan)) : PlanNotFound(planId);

    public static async Task<Results<Created<PlanView>, ProblemHttpResult>> CreatePlanAsync(HttpContext context, PlanStore plans, CancellationToken cancellationToken)
    {
        var (request, problem) = await JsonBody.ReadAsync(context, ApiJsonContext.Default.PlanRequest, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var errors = new Dictionary<string, string[]>();
        string? id = Validation.Slug(errors, "id", request!.Id);
        var plan = PlanRequests.Merge(PlanLimits.Fallback(id ?? "plan"), request, errors);
        if (errors.Count > 0)
        {
            return Problems.ValidationFailed(errors);
        }
        var saved = await plans.SaveAsync(plan with { Id = id!, Name = request.Name?.Trim() ?? id! }, create: true, cancellationToken);
        return saved is null
            ? Problems.Create(StatusCodes.Status409Conflict, Problems.Conflict, "That plan id is taken.")
            : TypedResults.Created($"/admin/v1/plans/{saved.Id}", PlanView.From(saved));
    }

    public static async Task<Results<Ok<PlanView>, ProblemHttpResult>> UpdatePlanAsync(string planId, HttpContext context, PlanStore plans, CancellationToken cancellationToken)
    {
        var (request, problem) = await JsonBody.ReadAsync(context, ApiJsonContext.Default.PlanRequest, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (await plans.GetAsync(planId, cancellationToken) is not { } existing)
        {
            return PlanNotFound(planId);
        }
        var errors = new Dictionary<string, string[]>();
        if (request!.Id is not null && request.Id != planId)
        {
            errors["id"] = ["A plan's id cannot change."];
        }
        var plan = PlanRequests.Merge(existing, request, errors);
        if (errors.Count > 0)
        {
            return Problems.ValidationFailed(errors);
        }
        return await plans.SaveAsync(plan, create: false, cancellationToken) is { } saved ? TypedResults.Ok(PlanView.From(saved)) : PlanNotFound(planId);
    }

    public static async Task<Results<Ok<AdminUsageList>, ProblemHttpResult>> UsageByTenantAsync(
        DateTimeOffset? from, DateTimeOffset? to, TenantAdministration administration, TimeProvider clock, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var start = from ?? new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var end = to ?? now.AddSeconds(1);
        if (end <= start)
        {
            return Problems.ValidationFailed(new() { ["to"] = ["Must be after 'from'."] });
        }
        var rows = await administration.UsageByTenantAsync(start, end, cancellationToken);
        return TypedResults.Ok(new AdminUsageList(start, end,
            [.. rows.Select(r => new AdminUsageRow(r.TenantId, r.Slug, r.Plan, r.Jobs, r.Characters, r.AudioSeconds, r.Voices, r.Cost, r.Currency))]));
    }

    private static ProblemHttpResult PlanNotFound(string planId) =>
        Problems.Create(StatusCodes.Status404NotFound, Problems.NotFound, "Plan not found.", $"There is no plan '{planId}'.");

    internal static ProblemHttpResult TenantNotFound(Guid tenantId) =>
        Problems.Create(StatusCodes.Status404NotFound, Problems.NotFound, "Tenant not found.", $"There is no tenant '{tenantId}'.");

    private static ProblemHttpResult UnknownPlan(string? plan) =>
        Problems.ValidationFailed(new() { ["plan"] = [$"Unknown plan '{plan}'."] });
}
