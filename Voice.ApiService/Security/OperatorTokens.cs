using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Voice.Core.Database;

namespace Voice.ApiService.Security;

public enum OperatorTokenChange
{
    Done,
    NameTaken,
    NotFound,
}

/// <summary>An operator token as listed: never the token itself (only its hash is stored).</summary>
public sealed record OperatorTokenInfo(Guid Id, string Name, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);

/// <summary>
/// Operators' named, revocable admin tokens (<c>operator_tokens</c>, through <c>voice_admin</c>). A presented token is
/// hashed and looked up; a hit is remembered for at most <see cref="CacheFor"/>, and a revocation forgets it at once in
/// this instance, so a revoked token is refused here immediately and on other replicas within that time. Creating and
/// revoking a token go into the platform's audit log (no tenant), attributed to the operator who did it.
/// </summary>
public sealed class OperatorTokens(AdminDatabase database, TimeProvider clock)
{
    public const string Prefix = "vop_";
    public const string BootstrapName = "bootstrap";
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, (Guid Id, string Name, DateTimeOffset Until)> _recent = new();

    /// <summary>The audit log's actor for the operator behind an admin request.</summary>
    public static string ActorOf(ClaimsPrincipal user) => "operator:" + (user.Identity?.Name ?? BootstrapName);

    /// <summary>The operator's name for a presented <c>vop_</c> token, or null (unknown or revoked).</summary>
    public async Task<string?> AuthenticateAsync(string token, CancellationToken cancellationToken)
    {
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        string key = Convert.ToHexString(hash);
        var now = clock.GetUtcNow();
        if (_recent.TryGetValue(key, out var hit) && hit.Until > now)
        {
            return hit.Name;
        }
        await using var command = database.DataSource.CreateCommand(
            "update operator_tokens set last_used_at = now() where token_hash = $1 and revoked_at is null returning id, name");
        command.Parameters.Add(new() { Value = hash });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            _recent.TryRemove(key, out _);
            return null;
        }
        var found = (reader.GetGuid(0), reader.GetString(1), now + CacheFor);
        _recent[key] = found;
        return found.Item2;
    }

    /// <summary>A new token for <paramref name="name"/>: the token (shown once) and its row, or <see cref="OperatorTokenChange.NameTaken"/>.</summary>
    public async Task<(OperatorTokenChange Result, string? Token, OperatorTokenInfo? Info)> CreateAsync(string name, string actor, CancellationToken cancellationToken)
    {
        string token = Prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"""
            insert into operator_tokens (id, name, token_hash, created_by) values ($1, $2, $3, $4) returning {Columns}
            """, connection, transaction);
        command.Parameters.Add(new() { Value = Guid.CreateVersion7() });
        command.Parameters.Add(new() { Value = name });
        command.Parameters.Add(new() { Value = SHA256.HashData(Encoding.UTF8.GetBytes(token)) });
        command.Parameters.Add(new() { Value = actor });
        OperatorTokenInfo info;
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            info = Read(reader);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return (OperatorTokenChange.NameTaken, null, null);
        }
        await AuditAsync(connection, transaction, actor, "operator_token.created", info, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (OperatorTokenChange.Done, token, info);
    }

    public async Task<IReadOnlyList<OperatorTokenInfo>> ListAsync(CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand($"select {Columns} from operator_tokens order by created_at, id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var tokens = new List<OperatorTokenInfo>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            tokens.Add(Read(reader));
        }
        return tokens;
    }

    /// <summary>Revokes the token (again: no change); it is refused from now on.</summary>
    public async Task<OperatorTokenChange> RevokeAsync(Guid id, string actor, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            $"update operator_tokens set revoked_at = coalesce(revoked_at, now()) where id = $1 returning {Columns}", connection, transaction);
        command.Parameters.Add(new() { Value = id });
        OperatorTokenInfo? info = null;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                info = Read(reader);
            }
        }
        if (info is null)
        {
            return OperatorTokenChange.NotFound;
        }
        await AuditAsync(connection, transaction, actor, "operator_token.revoked", info, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        foreach (var entry in _recent.Where(e => e.Value.Id == id))
        {
            _recent.TryRemove(entry.Key, out _);
        }
        return OperatorTokenChange.Done;
    }

    private const string Columns = "id, name, created_at, created_by, last_used_at, revoked_at";

    private static OperatorTokenInfo Read(NpgsqlDataReader reader) => new(reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2),
        reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4), reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5));

    // The platform's own chain (tenant_id null), as a tenant's deletion is recorded.
    private static async Task AuditAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string actor, string action, OperatorTokenInfo info, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "insert into audit_events (tenant_id, actor, action, target, details) values (null, $1, $2, $3, $4)", connection, transaction);
        command.Parameters.Add(new() { Value = actor });
        command.Parameters.Add(new() { Value = action });
        command.Parameters.Add(new() { Value = $"operator-token:{info.Id}" });
        command.Parameters.Add(new() { Value = JsonSerializer.Serialize(new Dictionary<string, string> { ["name"] = info.Name }), NpgsqlDbType = NpgsqlDbType.Jsonb });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
