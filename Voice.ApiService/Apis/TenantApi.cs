using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Voice.ApiService.Model;
using Voice.ApiService.Security;
using Voice.Core.Audit;
using Voice.Core.Tenancy;

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
