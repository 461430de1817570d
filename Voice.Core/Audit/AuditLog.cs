using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Voice.Core.Database;

namespace Voice.Core.Audit;

/// <summary>
/// The tenant's append-only audit log (the services may insert and read, never change or delete): credential
/// management, sign-ups and logins, and attempts to reach another tenant's objects.
/// </summary>
public sealed class AuditLog(TenantDatabase database)
{
    public Task RecordAsync(Guid tenantId, string actor, string action, string? target, object? details, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, connection => RecordAsync(connection, tenantId, actor, action, target, details, cancellationToken), cancellationToken);

    /// <summary>Records inside a unit of work that is already scoped to <paramref name="tenantId"/>.</summary>
    public static async Task RecordAsync(NpgsqlConnection connection, Guid tenantId, string actor, string action, string? target, object? details, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "insert into audit_events (tenant_id, actor, action, target, details) values ($1, $2, $3, $4, $5)", connection);
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = actor });
        command.Parameters.Add(new() { Value = action });
        command.Parameters.Add(new() { Value = (object?)target ?? DBNull.Value });
        command.Parameters.Add(new() { Value = JsonSerializer.Serialize(details ?? new { }), NpgsqlDbType = NpgsqlDbType.Jsonb });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Called when a tenant asked for an object it cannot see: if the object belongs to another tenant, the
    /// attempt goes into both tenants' logs. Returns whether it did (the caller answers 404 regardless).
    /// </summary>
    public Task<bool> RecordForeignAccessAsync(Guid tenantId, string kind, string objectId, string actor, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand("select audit_foreign_access($1, $2, $3)", connection);
            command.Parameters.Add(new() { Value = kind });
            command.Parameters.Add(new() { Value = objectId });
            command.Parameters.Add(new() { Value = actor });
            return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }, cancellationToken);

    /// <summary>An event, with its place in the tenant's hash chain and its hash (hex).</summary>
    public sealed record Event(long Id, DateTimeOffset OccurredAt, string Actor, string Action, string? Target, string Details, long Seq, string Hash);

    /// <summary>Where a chain does not hold: the event's number and what is wrong (modified, missing before, relinked).</summary>
    public sealed record ChainBreak(long Seq, string Problem);

    /// <summary>The chain's length and its breaks (none: intact).</summary>
    public sealed record Verification(long Events, IReadOnlyList<ChainBreak> Breaks);

    /// <summary>Checks the tenant's chain in the database: every hash recomputed, every link and number followed.</summary>
    public Task<Verification> VerifyAsync(Guid tenantId, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, connection => VerifyAsync(connection, tenantId, cancellationToken), cancellationToken);

    /// <summary>Checks a chain through any connection that can see it (the admin role for any tenant, or the platform's: null).</summary>
    public static async Task<Verification> VerifyAsync(NpgsqlConnection connection, Guid? tenantId, CancellationToken cancellationToken)
    {
        var breaks = new List<ChainBreak>();
        await using (var command = new NpgsqlCommand("select seq, problem from audit_chain_breaks($1)", connection))
        {
            command.Parameters.Add(new() { Value = (object?)tenantId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                breaks.Add(new ChainBreak(reader.GetInt64(0), reader.GetString(1)));
            }
        }
        await using var count = new NpgsqlCommand(
            "select count(*) from audit_events where coalesce(tenant_id, '00000000-0000-0000-0000-000000000000') = coalesce($1, '00000000-0000-0000-0000-000000000000')", connection);
        count.Parameters.Add(new() { Value = (object?)tenantId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        return new Verification((long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!, breaks);
    }

    public Task<IReadOnlyList<Event>> ListAsync(Guid tenantId, int limit, CancellationToken cancellationToken) =>
        database.InTenantAsync<IReadOnlyList<Event>>(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand(
                "select id, occurred_at, actor, action, target, details::text, seq, encode(hash, 'hex') from audit_events order by seq desc limit $1", connection);
            command.Parameters.Add(new() { Value = limit });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var events = new List<Event>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                events.Add(new Event(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2),
                    reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetString(5), reader.GetInt64(6), reader.GetString(7)));
            }
            return events;
        }, cancellationToken);
}
