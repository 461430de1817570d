using Npgsql;
using Voice.Core.Audit;
using Voice.Core.Database;

namespace Voice.Core.Storage;

/// <summary>
/// Deletes results whose plan's retention has run out: the audio object, then the job's pointer to it (the row
/// stays, marked <c>result_deleted_at</c>), and one audit event per tenant listing the tasks whose audio went.
/// Works through a connection that sees every tenant (the admin role), in batches.
/// </summary>
public sealed class ResultRetention(BlobStore blobs, TenantDatabase database)
{
    public sealed record Outcome(int Deleted, int Tenants);

    public async Task<Outcome> SweepAsync(NpgsqlDataSource admin, int batch, CancellationToken cancellationToken)
    {
        var expired = new List<(Guid Tenant, Guid Job, string Path)>();
        await using (var select = admin.CreateCommand("""
            select j.tenant_id, j.id, j.result_path from jobs j join tenants t on t.id = j.tenant_id join plans p on p.id = t.plan
            where j.result_path is not null and j.finished_at < now() - make_interval(days => p.retention_days)
            order by j.finished_at limit $1
            """))
        {
            select.Parameters.Add(new() { Value = batch });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                expired.Add((reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2)));
            }
        }
        foreach (var (tenant, job, path) in expired)
        {
            // The object first: if that fails the row still points at it and the next sweep tries again.
            await blobs.DeleteAsync(tenant, path, cancellationToken).ConfigureAwait(false);
            await using var update = admin.CreateCommand("update jobs set result_path = null, result_deleted_at = now() where id = $1 and result_path = $2");
            update.Parameters.Add(new() { Value = job });
            update.Parameters.Add(new() { Value = path });
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await using var connection = await admin.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var group in expired.GroupBy(e => e.Tenant))
        {
            await AuditLog.RecordAsync(connection, group.Key, "system", "result.expired", null,
                new { reason = "retention", tasks = group.Select(e => e.Job).ToArray() }, cancellationToken).ConfigureAwait(false);
        }
        return new Outcome(expired.Count, expired.Select(e => e.Tenant).Distinct().Count());
    }

    /// <summary>The tenant deletes a result's audio now (the job and its usage stay). False when there was none.</summary>
    public async Task<bool> DeleteAsync(Guid tenantId, Guid jobId, string actor, CancellationToken cancellationToken)
    {
        string? path = await database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand("select result_path from jobs where id = $1", connection);
            command.Parameters.Add(new() { Value = jobId });
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
        }, cancellationToken).ConfigureAwait(false);
        if (path is null)
        {
            return false;
        }
        // As the sweep: the object first, so no row ever points at audio that is gone.
        await blobs.DeleteAsync(tenantId, path, cancellationToken).ConfigureAwait(false);
        await database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand("update jobs set result_path = null, result_deleted_at = now() where id = $1 and result_path = $2", connection);
            command.Parameters.Add(new() { Value = jobId });
            command.Parameters.Add(new() { Value = path });
            if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
            {
                await AuditLog.RecordAsync(connection, tenantId, actor, "result.deleted", $"task:{jobId}", null, cancellationToken).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
        return true;
    }
}
