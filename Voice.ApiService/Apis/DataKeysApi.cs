using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Voice.ApiService.Accounts;
using Voice.ApiService.Model;
using Voice.ApiService.Security;
using Voice.ApiService.Services;
using Voice.Core.Crypto;
using Voice.Core.Database;

namespace Voice.ApiService.Apis;

/// <summary>
/// Operator controls of stored data — retention, and envelope encryption: a tenant's data-key versions, rotating one (new objects use the
/// new version at once; older objects are re-encrypted by <see cref="DataKeySweeper"/>, or now on request),
/// and rewrapping every data key under the current master key after a master-key rotation.
/// </summary>
public static class DataKeysApi
{
    public static IEndpointRouteBuilder MapDataKeysApi(this IEndpointRouteBuilder app)
    {
        var tenant = app.MapGroup("/admin/v1/tenants/{tenantId:guid}/data-keys").WithTags("Admin").RequireAuthorization(Policies.Admin);
        tenant.MapGet("/", ListAsync).WithSummary("The tenant's data-key versions that still exist, newest first");
        tenant.MapPost("/rotate", RotateAsync).WithSummary("Start using a new data-key version for the tenant's new objects");
        tenant.MapPost("/reencrypt", ReencryptAsync)
            .WithSummary("Re-encrypt the tenant's objects under its newest data key now; retire older versions once the rotation has settled");
        app.MapPost("/admin/v1/retention/sweep", SweepRetentionAsync).WithTags("Admin").RequireAuthorization(Policies.Admin)
            .WithSummary("Delete every expired result now (the background sweep does it hourly)");
        app.MapPost("/admin/v1/data-keys/rewrap", RewrapAsync).WithTags("Admin").RequireAuthorization(Policies.Admin)
            .WithSummary("Rewrap every data key under the current master key (after a master-key rotation)");
        return app;
    }

    public static async Task<Results<Ok<DataKeyVersions>, ProblemHttpResult>> ListAsync(
        Guid tenantId, TenantAdministration administration, TenantKeys keys, CancellationToken cancellationToken)
    {
        if (await administration.GetTenantAsync(tenantId, cancellationToken) is null)
        {
            return AdminApi.TenantNotFound(tenantId);
        }
        return TypedResults.Ok(new DataKeyVersions(tenantId, await keys.LiveVersionsAsync(tenantId, cancellationToken)));
    }

    public static async Task<Results<Ok<DataKeyVersions>, ProblemHttpResult>> RotateAsync(
        Guid tenantId, ClaimsPrincipal user, TenantAdministration administration, TenantKeys keys, Voice.Core.Audit.AuditLog audit, CancellationToken cancellationToken)
    {
        if (await administration.GetTenantAsync(tenantId, cancellationToken) is null)
        {
            return AdminApi.TenantNotFound(tenantId);
        }
        int version = await keys.RotateAsync(tenantId, cancellationToken);
        await audit.RecordAsync(tenantId, OperatorTokens.ActorOf(user), "data_key.rotated", $"data-key:{version}", null, cancellationToken);
        return TypedResults.Ok(new DataKeyVersions(tenantId, await keys.LiveVersionsAsync(tenantId, cancellationToken)));
    }

    public static async Task<Results<Ok<ReencryptionOutcome>, ProblemHttpResult>> ReencryptAsync(
        Guid tenantId, TenantAdministration administration, DataKeySweeper sweeper, CancellationToken cancellationToken)
    {
        if (await administration.GetTenantAsync(tenantId, cancellationToken) is null)
        {
            return AdminApi.TenantNotFound(tenantId);
        }
        var outcome = await sweeper.CompleteAsync(tenantId, cancellationToken);
        return TypedResults.Ok(new ReencryptionOutcome(tenantId, outcome.Examined, outcome.Reencrypted, outcome.DestroyedVersions));
    }

    public static async Task<Ok<RetentionOutcome>> SweepRetentionAsync(RetentionSweeper sweeper, CancellationToken cancellationToken) =>
        TypedResults.Ok(new RetentionOutcome(await sweeper.SweepAsync(cancellationToken)));

    public static async Task<Ok<RewrapOutcome>> RewrapAsync(TenantKeys keys, AdminDatabase admin, KeyRing ring, CancellationToken cancellationToken) =>
        TypedResults.Ok(new RewrapOutcome(await keys.RewrapAllAsync(admin.DataSource, cancellationToken), ring.Current.Id));
}
