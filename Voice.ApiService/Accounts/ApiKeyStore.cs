using Npgsql;
using Voice.Core.Audit;
using Voice.Core.Database;

namespace Voice.ApiService.Accounts;

/// <summary>An API key as its tenant sees it: never the secret, which exists only in the creation answer.</summary>
public sealed record ApiKeyInfo(
    string Id, string Name, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt);

/// <summary>A tenant's keys, within its row-level-security scope. Every change is audited.</summary>
public sealed class ApiKeyStore(TenantDatabase database)
{
    private const string Columns = "id, name, scopes, created_at, expires_at, revoked_at, last_used_at";

    public Task<IReadOnlyList<ApiKeyInfo>> ListAsync(Guid tenantId, CancellationToken cancellationToken) =>
        database.InTenantAsync<IReadOnlyList<ApiKeyInfo>>(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand($"select {Columns} from api_keys order by created_at", connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var keys = new List<ApiKeyInfo>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                keys.Add(Read(reader));
            }
            return keys;
        }, cancellationToken);

    public Task<ApiKeyInfo?> GetAsync(Guid tenantId, string keyId, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand($"select {Columns} from api_keys where id = $1", connection);
            command.Parameters.Add(new() { Value = keyId });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
        }, cancellationToken);

    /// <summary>Creates a key; the returned token is the only time its secret exists outside the caller.</summary>
    public Task<(CredentialToken Token, ApiKeyInfo Info)> CreateAsync(
        Guid tenantId, string name, IReadOnlyList<string> scopes, DateTimeOffset? expiresAt, string actor, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, connection => CreateAsync(connection, tenantId, name, scopes, expiresAt, actor, cancellationToken), cancellationToken);

    internal static async Task<(CredentialToken Token, ApiKeyInfo Info)> CreateAsync(NpgsqlConnection connection,
        Guid tenantId, string name, IReadOnlyList<string> scopes, DateTimeOffset? expiresAt, string actor, CancellationToken cancellationToken)
    {
        var token = CredentialToken.NewApiKey();
        await using var command = new NpgsqlCommand($"""
            insert into api_keys (id, tenant_id, name, secret_hash, scopes, expires_at)
            values ($1, $2, $3, $4, $5, $6)
            returning {Columns}
            """, connection);
        command.Parameters.Add(new() { Value = token.Id });
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = name });
        command.Parameters.Add(new() { Value = token.Hash() });
        command.Parameters.Add(new() { Value = scopes.ToArray() });
        command.Parameters.Add(new() { Value = (object?)expiresAt ?? DBNull.Value });
        ApiKeyInfo info;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            info = Read(reader);
        }
        await AuditLog.RecordAsync(connection, tenantId, actor, "key.created", $"key:{token.Id}", new { name, scopes }, cancellationToken).ConfigureAwait(false);
        return (token, info);
    }

    /// <summary>Revokes the tenant's key; false when the tenant has no such key.</summary>
    public Task<bool> RevokeAsync(Guid tenantId, string keyId, string actor, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand(
                "update api_keys set revoked_at = coalesce(revoked_at, now()) where id = $1", connection);
            command.Parameters.Add(new() { Value = keyId });
            if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                return false;
            }
            await AuditLog.RecordAsync(connection, tenantId, actor, "key.revoked", $"key:{keyId}", null, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    internal static ApiKeyInfo Read(NpgsqlDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetFieldValue<string[]>(2), reader.GetFieldValue<DateTimeOffset>(3),
        reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4),
        reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
        reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6));
}
