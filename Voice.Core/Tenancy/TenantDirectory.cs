using Npgsql;

namespace Voice.Core.Tenancy;

/// <summary>Who a valid key belongs to.</summary>
public sealed record ApiKeyIdentity(Guid TenantId, string TenantSlug, string KeyId, IReadOnlyList<string> Scopes);

public enum ApiKeyCheck
{
    Valid,
    Unknown,
    Revoked,
    Expired,
    TenantInactive,
}

/// <summary>Tenants and their API keys in the catalog.</summary>
public sealed class TenantDirectory(NpgsqlDataSource dataSource, TimeProvider clock)
{
    public static readonly IReadOnlyList<string> AllScopes = ["speech:write", "voices:write", "usage:read", "keys:admin"];

    public async Task<(ApiKeyCheck Result, ApiKeyIdentity? Identity)> AuthenticateAsync(ApiKey key, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            select k.tenant_id, t.slug, k.secret_hash, k.scopes, k.expires_at, k.revoked_at, t.status
            from api_keys k join tenants t on t.id = k.tenant_id
            where k.id = $1
            """);
        command.Parameters.Add(new() { Value = key.Id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return (ApiKeyCheck.Unknown, null);
        }
        var hash = reader.GetFieldValue<byte[]>(2);
        if (!key.Matches(hash))
        {
            return (ApiKeyCheck.Unknown, null);
        }
        if (!reader.IsDBNull(5))
        {
            return (ApiKeyCheck.Revoked, null);
        }
        if (!reader.IsDBNull(4) && reader.GetFieldValue<DateTimeOffset>(4) <= clock.GetUtcNow())
        {
            return (ApiKeyCheck.Expired, null);
        }
        if (reader.GetString(6) != "active")
        {
            return (ApiKeyCheck.TenantInactive, null);
        }
        return (ApiKeyCheck.Valid, new ApiKeyIdentity(reader.GetGuid(0), reader.GetString(1), key.Id, reader.GetFieldValue<string[]>(3)));
    }

    /// <summary>Creates the tenant (if new) and registers <paramref name="key"/> for it (if new). Idempotent.</summary>
    public async Task<Guid> EnsureTenantWithKeyAsync(string slug, string name, ApiKey key, string keyName, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        Guid tenantId;
        await using (var upsert = new NpgsqlCommand("""
            insert into tenants (id, slug, name) values ($1, $2, $3)
            on conflict (slug) do update set name = tenants.name
            returning id
            """, connection, transaction))
        {
            upsert.Parameters.Add(new() { Value = Guid.CreateVersion7() });
            upsert.Parameters.Add(new() { Value = slug });
            upsert.Parameters.Add(new() { Value = name });
            tenantId = (Guid)(await upsert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        await using (var insertKey = new NpgsqlCommand("""
            insert into api_keys (id, tenant_id, name, secret_hash, scopes) values ($1, $2, $3, $4, $5)
            on conflict (id) do update set secret_hash = excluded.secret_hash, revoked_at = null
            where api_keys.tenant_id = excluded.tenant_id
            """, connection, transaction))
        {
            insertKey.Parameters.Add(new() { Value = key.Id });
            insertKey.Parameters.Add(new() { Value = tenantId });
            insertKey.Parameters.Add(new() { Value = keyName });
            insertKey.Parameters.Add(new() { Value = key.Hash() });
            insertKey.Parameters.Add(new() { Value = AllScopes.ToArray() });
            await insertKey.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return tenantId;
    }
}
