using Npgsql;
using Voice.Core.Audit;
using Voice.Core.Database;

namespace Voice.ApiService.Accounts;

public enum AdminChange
{
    Done,
    NotFound,
    SlugTaken,
    UnknownPlan,
}

/// <summary>
/// Operator actions across tenants (the admin API): runs as <c>voice_admin</c>, which bypasses row-level
/// security — that is why nothing but the admin API and start-up bootstrap may use it. Actions that change a
/// tenant are written to that tenant's audit log with the operator who did them as the actor (<c>operator:&lt;name&gt;</c>).
/// </summary>
public sealed class TenantAdministration(AdminDatabase database)
{
    private const string TenantColumns = "id, slug, name, plan, status, created_at";

    public async Task<(AdminChange Result, TenantProfile? Tenant)> CreateTenantAsync(string slug, string name, string plan, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"insert into tenants (id, slug, name, plan) values ($1, $2, $3, $4) returning {TenantColumns}", connection);
        command.Parameters.Add(new() { Value = Guid.CreateVersion7() });
        command.Parameters.Add(new() { Value = slug });
        command.Parameters.Add(new() { Value = name });
        command.Parameters.Add(new() { Value = plan });
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            return (AdminChange.Done, UserAccounts.ReadTenant(reader));
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return (AdminChange.SlugTaken, null);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            return (AdminChange.UnknownPlan, null);
        }
    }

    public async Task<IReadOnlyList<TenantProfile>> ListTenantsAsync(int limit, Guid? after, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(
            $"select {TenantColumns} from tenants where ($2::uuid is null or id > $2) order by id limit $1");
        command.Parameters.Add(new() { Value = limit });
        command.Parameters.Add(new() { Value = (object?)after ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var tenants = new List<TenantProfile>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            tenants.Add(UserAccounts.ReadTenant(reader));
        }
        return tenants;
    }

    public async Task<TenantProfile?> GetTenantAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand($"select {TenantColumns} from tenants where id = $1");
        command.Parameters.Add(new() { Value = tenantId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? UserAccounts.ReadTenant(reader) : null;
    }

    /// <summary>Changes name, plan and/or status; a plan change applies to the next request.</summary>
    public async Task<(AdminChange Result, TenantProfile? Tenant)> UpdateTenantAsync(
        Guid tenantId, string? name, string? plan, string? status, string actor, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"""
            update tenants set name = coalesce($2, name), plan = coalesce($3, plan), status = coalesce($4, status)
            where id = $1 returning {TenantColumns}
            """, connection, transaction);
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = (object?)name ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)plan ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)status ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        TenantProfile? tenant;
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            tenant = await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? UserAccounts.ReadTenant(reader) : null;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            return (AdminChange.UnknownPlan, null);
        }
        if (tenant is null)
        {
            return (AdminChange.NotFound, null);
        }
        await AuditLog.RecordAsync(connection, tenantId, actor, "tenant.updated", $"tenant:{tenant.Slug}", new { name, plan, status }, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (AdminChange.Done, tenant);
    }

    /// <summary>Deletes the tenant and, by cascade, every row it owns. Its blobs are the caller's to delete.</summary>
    /// <param name="actor">Who asked: the operator (<c>operator:&lt;name&gt;</c>) or the tenant's owner (<c>user:&lt;id&gt;</c>).</param>
    public async Task<bool> DeleteTenantAsync(Guid tenantId, string actor, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var delete = new NpgsqlCommand("delete from tenants where id = $1", connection, transaction))
        {
            delete.Parameters.Add(new() { Value = tenantId });
            if (await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                return false;
            }
        }
        // The tenant's own audit log goes with it; the platform keeps one line saying it was deleted.
        await using (var audit = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("delete from audit_events where tenant_id = $1") { Parameters = { new() { Value = tenantId } } },
                new NpgsqlBatchCommand("insert into audit_events (tenant_id, actor, action, target) values (null, $2, 'tenant.deleted', $1)")
                {
                    Parameters = { new() { Value = $"tenant:{tenantId}" }, new() { Value = actor } },
                },
            },
        })
        {
            await audit.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task<(CredentialToken Token, ApiKeyInfo Info)?> IssueKeyAsync(
        Guid tenantId, string name, IReadOnlyList<string> scopes, DateTimeOffset? expiresAt, string actor, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var created = await ApiKeyStore.CreateAsync(connection, tenantId, name, scopes, expiresAt, actor, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return created;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            return null; // no such tenant
        }
    }

    public async Task<bool> RevokeKeyAsync(Guid tenantId, string keyId, string actor, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var revoke = new NpgsqlCommand(
            "update api_keys set revoked_at = coalesce(revoked_at, now()) where id = $1 and tenant_id = $2", connection, transaction))
        {
            revoke.Parameters.Add(new() { Value = keyId });
            revoke.Parameters.Add(new() { Value = tenantId });
            if (await revoke.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                return false;
            }
        }
        await AuditLog.RecordAsync(connection, tenantId, actor, "key.revoked", $"key:{keyId}", null, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task<UsageSummary> UsageAsync(Guid tenantId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("""
            select count(*), count(*) filter (where status = 'completed'), count(*) filter (where status = 'failed'),
                   coalesce(sum(length(text)), 0), coalesce(sum(duration_ms) filter (where status = 'completed'), 0) / 1000.0
            from jobs where tenant_id = $1 and created_at >= $2 and created_at < $3
            """);
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = from });
        command.Parameters.Add(new() { Value = to });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new UsageSummary(from, to, reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), (double)reader.GetDecimal(4));
    }

    /// <summary>Usage and cost per tenant over [from, to), from the usage records (the billed truth).</summary>
    public async Task<IReadOnlyList<TenantUsage>> UsageByTenantAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("""
            select t.id, t.slug, t.plan, count(*) filter (where u.kind = 'speech'), coalesce(sum(u.characters), 0), coalesce(sum(u.audio_seconds), 0),
                   count(*) filter (where u.kind = 'voice'), coalesce(sum(u.cost), 0), coalesce(min(u.currency), 'USD')
            from usage_records u join tenants t on t.id = u.tenant_id
            where u.recorded_at >= $1 and u.recorded_at < $2
            group by t.id, t.slug, t.plan order by 8 desc, t.slug
            """);
        command.Parameters.Add(new() { Value = from });
        command.Parameters.Add(new() { Value = to });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<TenantUsage>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new TenantUsage(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetDouble(5),
                reader.GetInt64(6), reader.GetDecimal(7), reader.GetString(8)));
        }
        return rows;
    }

    /// <summary>
    /// Puts a dead-lettered job back in the queue's hands: queued, attempts and errors cleared. Returns its
    /// tenant and plan (to enqueue it), or null when it is not failed or does not exist.
    /// </summary>
    public async Task<(Guid TenantId, string Plan, string? Pool)?> ResetFailedJobAsync(Guid jobId, string actor, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("""
            update jobs j set status = 'queued', attempts = 0, attempt_errors = '[]', error = null, finished_at = null, started_at = null
            from tenants t
            where j.id = $1 and j.status = 'failed' and t.id = j.tenant_id
            returning j.tenant_id, t.plan, j.pool
            """, connection, transaction);
        command.Parameters.Add(new() { Value = jobId });
        (Guid, string, string?)? reset = null;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                reset = (reader.GetGuid(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2));
            }
        }
        if (reset is { } r)
        {
            await AuditLog.RecordAsync(connection, r.Item1, actor, "task.requeued", $"task:{jobId}", null, cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return reset;
    }

    /// <summary>Development bootstrap: the tenant (if new, on <paramref name="plan"/>) and <paramref name="key"/> registered for it (if new). Idempotent.</summary>
    public async Task<Guid> EnsureTenantWithKeyAsync(string slug, string name, string plan, CredentialToken key, string keyName, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        Guid tenantId;
        await using (var upsert = new NpgsqlCommand("""
            insert into tenants (id, slug, name, plan) values ($1, $2, $3, $4)
            on conflict (slug) do update set name = tenants.name
            returning id
            """, connection, transaction))
        {
            upsert.Parameters.Add(new() { Value = Guid.CreateVersion7() });
            upsert.Parameters.Add(new() { Value = slug });
            upsert.Parameters.Add(new() { Value = name });
            upsert.Parameters.Add(new() { Value = plan });
            tenantId = (Guid)(await upsert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        await using (var insertKey = new NpgsqlCommand("""
            insert into api_keys (id, tenant_id, name, secret_hash, scopes) values ($1, $2, $3, $4, $5)
            on conflict (id) do update set secret_hash = excluded.secret_hash, scopes = excluded.scopes, revoked_at = null
            where api_keys.tenant_id = excluded.tenant_id
            """, connection, transaction))
        {
            insertKey.Parameters.Add(new() { Value = key.Id });
            insertKey.Parameters.Add(new() { Value = tenantId });
            insertKey.Parameters.Add(new() { Value = keyName });
            insertKey.Parameters.Add(new() { Value = key.Hash() });
            insertKey.Parameters.Add(new() { Value = Scopes.All.ToArray() });
            await insertKey.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return tenantId;
    }
}

public sealed record TenantUsage(Guid TenantId, string Slug, string Plan, long Jobs, long Characters, double AudioSeconds, long Voices, decimal Cost, string Currency);
