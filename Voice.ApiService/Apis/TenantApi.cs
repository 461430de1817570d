using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Voice.ApiService.Accounts;
using Voice.ApiService.Model;
using Voice.ApiService.Security;
using Voice.Core.Audit;
using Voice.Core.Billing;
using Voice.Core.Storage;

namespace Voice.ApiService.Apis;

/// <summary>The caller's own tenant: its profile and plan, and its audit log.</summary>
public static class TenantApi
{
    public static IEndpointRouteBuilder MapTenantApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/tenant", GetAsync)
            .RequireAuthorization()
            .WithTags("Tenant")
            .WithSummary("The caller's tenant: slug, name, plan, status");

        app.MapGet("/api/v1/tenant/plan", GetPlanAsync)
            .RequireAuthorization(Policies.Scope(Scopes.UsageRead))
            .WithTags("Tenant")
            .WithSummary("The tenant's plan: limits, allowances, retention and prices");
        app.MapPatch("/api/v1/tenant", RenameAsync)
            .RequireAuthorization(Policies.Scope(Scopes.KeysAdmin))
            .Accepts<UpdateOwnTenantRequest>("application/json")
            .WithTags("Tenant")
            .WithSummary("Rename the tenant (its slug stays)");
        app.MapDelete("/api/v1/tenant", DeleteAsync)
            .RequireAuthorization()
            .Accepts<DeleteTenantRequest>("application/json")
            .WithTags("Tenant")
            .WithSummary("Delete the tenant with all its data and audio: the owner only, signed in, confirming with the slug");

        app.MapGet("/api/v1/audit", ListAuditAsync)
            .RequireAuthorization(Policies.Scope(Scopes.KeysAdmin))
            .WithTags("Tenant")
            .WithSummary("The tenant's audit log, newest first (key changes, logins, cross-tenant attempts)");
        app.MapGet("/api/v1/audit/verify", VerifyAuditAsync)
            .RequireAuthorization(Policies.Scope(Scopes.KeysAdmin))
            .WithTags("Tenant")
            .WithSummary("Check the audit log's hash chain: every event's hash recomputed, every link followed");
        app.MapGet("/admin/v1/audit/verify", VerifyAnyAuditAsync)
            .RequireAuthorization(Policies.Admin)
            .WithTags("Admin")
            .WithSummary("Check a tenant's audit chain (?tenant=<id>) or the platform's (no tenant)");
        return app;
    }

    public static async Task<Results<Ok<TenantView>, ProblemHttpResult>> GetAsync(HttpContext context, UserAccounts accounts, CancellationToken cancellationToken)
    {
        var tenant = await accounts.GetTenantAsync(context.Caller().TenantId, cancellationToken);
        return tenant is null
            ? Problems.Create(StatusCodes.Status404NotFound, Problems.NotFound, "Tenant not found.")
            : TypedResults.Ok(View(tenant));
    }

    public static async Task<Ok<PlanView>> GetPlanAsync(HttpContext context, PlanCatalog plans, CancellationToken cancellationToken) =>
        TypedResults.Ok(PlanView.From(await plans.GetAsync(context.Caller().Plan, cancellationToken)));

    public static async Task<Results<Ok<TenantView>, ProblemHttpResult>> RenameAsync(HttpContext context, UserAccounts accounts, CancellationToken cancellationToken)
    {
        var (request, problem) = await JsonBody.ReadAsync(context, ApiJsonContext.Default.UpdateOwnTenantRequest, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var errors = new Dictionary<string, string[]>();
        string? name = Validation.Name(errors, "name", request!.Name);
        if (errors.Count > 0)
        {
            return Problems.ValidationFailed(errors);
        }
        var caller = context.Caller();
        var tenant = await accounts.RenameTenantAsync(caller.TenantId, name!, caller.Actor, cancellationToken);
        return tenant is null ? Problems.Create(StatusCodes.Status404NotFound, Problems.NotFound, "Tenant not found.") : TypedResults.Ok(View(tenant));
    }

    /// <summary>
    /// The owner deletes their workspace: every row (by cascade), every stored object and the data keys (so any copy
    /// of the ciphertext left anywhere is unreadable). Keys cannot do this, nor admins: only the owner, signed in, who
    /// types the slug. Blobs go first, so a failure leaves the tenant in place to try again.
    /// </summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(HttpContext context, TeamStore team, TenantAdministration administration,
        BlobStore blobs, CredentialAuthenticator authenticator, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        if (caller.Kind != CredentialKind.Session || caller.UserId is not { } userId
            || await team.RoleOfAsync(caller.TenantId, userId, cancellationToken) != UserRoles.Owner)
        {
            return Problems.Create(StatusCodes.Status403Forbidden, Problems.Forbidden, "Only the workspace's owner can delete it.",
                "Sign in to the portal as the owner.");
        }
        var (request, problem) = await JsonBody.ReadAsync(context, ApiJsonContext.Default.DeleteTenantRequest, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (!string.Equals(request!.Confirm, caller.TenantSlug, StringComparison.Ordinal))
        {
            return Problems.ValidationFailed(new() { ["confirm"] = ["Type the workspace's slug to confirm."] });
        }
        await blobs.DeleteTenantAsync(caller.TenantId, cancellationToken);
        await administration.DeleteTenantAsync(caller.TenantId, caller.Actor, cancellationToken);
        authenticator.Forget(caller.TenantId);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<AuditList>> ListAuditAsync(HttpContext context, AuditLog audit, int? limit, CancellationToken cancellationToken)
    {
        var events = await audit.ListAsync(context.Caller().TenantId, Math.Clamp(limit ?? 100, 1, 1000), cancellationToken);
        return TypedResults.Ok(View(events));
    }

    public static async Task<Ok<AuditVerificationView>> VerifyAuditAsync(HttpContext context, AuditLog audit, CancellationToken cancellationToken) =>
        TypedResults.Ok(View(await audit.VerifyAsync(context.Caller().TenantId, cancellationToken)));

    public static async Task<Ok<AuditVerificationView>> VerifyAnyAuditAsync(Guid? tenant, Voice.Core.Database.AdminDatabase admin, CancellationToken cancellationToken)
    {
        await using var connection = await admin.DataSource.OpenConnectionAsync(cancellationToken);
        return TypedResults.Ok(View(await AuditLog.VerifyAsync(connection, tenant, cancellationToken)));
    }

    private static AuditVerificationView View(AuditLog.Verification verification) =>
        new(verification.Breaks.Count == 0, verification.Events, [.. verification.Breaks.Select(b => new AuditChainBreakView(b.Seq, b.Problem))]);

    public static AuditList View(IReadOnlyList<AuditLog.Event> events) =>
        new([.. events.Select(e => new AuditEventView(e.Id, e.OccurredAt, e.Actor, e.Action, e.Target, JsonDocument.Parse(e.Details).RootElement.Clone(), e.Seq, e.Hash))]);

    public static TenantView View(TenantProfile tenant) =>
        new(tenant.Id, tenant.Slug, tenant.Name, tenant.Plan, tenant.Status, tenant.CreatedAt);
}
