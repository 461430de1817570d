using System.Collections.Concurrent;
using System.Security.Cryptography;
using Npgsql;
using Voice.Core.Database;

namespace Voice.ApiService.Accounts;

/// <summary>
/// Turns a presented API key or session token into a <see cref="CallerIdentity"/>. Lookups go through the
/// SECURITY DEFINER functions (the tenant is not known yet); secrets are compared in constant time, and an
/// unknown id still costs one comparison so timing does not tell ids apart. Valid results are cached for one
/// second per replica — that bounds how long a revocation, expiry or suspension can take to bite.
/// </summary>
public sealed class CredentialAuthenticator(TenantDatabase database, TimeProvider clock)
{
    public static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(1);
    private static readonly byte[] DummyHash = SHA256.HashData(RandomNumberGenerator.GetBytes(32));

    private readonly ConcurrentDictionary<string, (CallerIdentity Identity, DateTimeOffset Until)> _valid = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _touched = new();

    private sealed record Row(Guid TenantId, string Slug, string Status, byte[] Hash, DateTimeOffset? ExpiresAt, bool Revoked, Guid? UserId, IReadOnlyList<string> Scopes, string Plan);

    public async Task<(CredentialCheck Result, CallerIdentity? Identity)> AuthenticateAsync(CredentialToken token, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        string cacheKey = Convert.ToBase64String(token.Hash());
        if (_valid.TryGetValue(cacheKey, out var cached) && cached.Until > now)
        {
            return (CredentialCheck.Valid, cached.Identity);
        }

        var row = await LookUpAsync(token, cancellationToken).ConfigureAwait(false);
        if (!token.Matches(row?.Hash ?? DummyHash) || row is null)
        {
            return (CredentialCheck.Unknown, null);
        }
        if (row.Revoked)
        {
            return (CredentialCheck.Revoked, null);
        }
        if (row.ExpiresAt <= now)
        {
            return (CredentialCheck.Expired, null);
        }
        if (row.Status != TenantStatus.Active)
        {
            return (CredentialCheck.TenantSuspended, null);
        }

        var identity = new CallerIdentity(row.TenantId, row.Slug, token.Kind, token.Id, row.UserId, row.Scopes, row.Plan);
        if (_valid.Count > 10_000)
        {
            foreach (var (key, entry) in _valid)
            {
                if (entry.Until <= now)
                {
                    _valid.TryRemove(key, out _);
                }
            }
        }
        _valid[cacheKey] = (identity, now + CacheLifetime);
        await TouchAsync(identity, now, cancellationToken).ConfigureAwait(false);
        return (CredentialCheck.Valid, identity);
    }

    /// <summary>Drops this replica's cached identities for a credential or a whole tenant at once.</summary>
    public void Forget(Guid tenantId, string? credentialId = null)
    {
        foreach (var (key, entry) in _valid)
        {
            if (entry.Identity.TenantId == tenantId && (credentialId is null || entry.Identity.CredentialId == credentialId))
            {
                _valid.TryRemove(key, out _);
            }
        }
    }

    private Task<Row?> LookUpAsync(CredentialToken token, CancellationToken cancellationToken) =>
        database.WithoutTenantAsync(async connection =>
        {
            bool isKey = token.Kind == CredentialKind.ApiKey;
            await using var command = new NpgsqlCommand(isKey
                ? "select tenant_id, tenant_slug, tenant_status, secret_hash, expires_at, revoked_at, null::uuid, scopes, plan from authenticate_api_key($1)"
                : "select tenant_id, tenant_slug, tenant_status, secret_hash, expires_at, revoked_at, user_id, role, plan from authenticate_session($1)",
                connection);
            command.Parameters.Add(new() { Value = token.Id });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }
            return new Row(
                TenantId: reader.GetGuid(0),
                Slug: reader.GetString(1),
                Status: reader.GetString(2),
                Hash: reader.GetFieldValue<byte[]>(3),
                ExpiresAt: reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4),
                Revoked: !reader.IsDBNull(5),
                UserId: reader.IsDBNull(6) ? null : reader.GetGuid(6),
                Scopes: isKey ? reader.GetFieldValue<string[]>(7) : Scopes.ForRole(reader.GetString(7)),
                Plan: reader.GetString(8));
        }, cancellationToken);

    /// <summary>Keeps <c>last_used_at</c> roughly current without a write per request.</summary>
    private async Task TouchAsync(CallerIdentity identity, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (identity.Kind != CredentialKind.ApiKey
            || (_touched.TryGetValue(identity.CredentialId, out var last) && now - last < TouchInterval))
        {
            return;
        }
        _touched[identity.CredentialId] = now;
        await database.InTenantAsync(identity.TenantId, async connection =>
        {
            await using var command = new NpgsqlCommand("update api_keys set last_used_at = now() where id = $1", connection);
            command.Parameters.Add(new() { Value = identity.CredentialId });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }
}
