using Npgsql;
using Voice.Core.Audit;
using Voice.Core.Database;

namespace Voice.ApiService.Accounts;

/// <summary>A workspace's request for another plan, and what became of it.</summary>
public sealed record UpgradeRequest(Guid Id, Guid TenantId, string Plan, string CurrentPlan, string Status, string? Note, string RequestedBy,
    DateTimeOffset CreatedAt, DateTimeOffset? DecidedAt, string? DecidedBy);

public static class UpgradeStatus
{
    public const string Pending = "pending";
    public const string Approved = "approved";
    public const string Declined = "declined";
}

public enum UpgradeDecision
{
    Done,
    NotFound,
    AlreadyDecided,
}

/// <summary>
/// Plan upgrade requests: an owner asks (one open request per workspace), an operator approves — the tenant's plan
/// changes in the same transaction — or declines. Both sides are audited in the workspace's log. This is the seam
/// where a payment provider would confirm payment before approval (docs/api.md, "Upgrades").
/// </summary>
public sealed class UpgradeRequests(TenantDatabase database, AdminDatabase admin)
{
    private const string Columns = "id, tenant_id, plan, current_plan, status, note, requested_by, created_at, decided_at, decided_by";

    /// <summary>The plans a workspace may ask for, smallest allowance first.</summary>
    public Task<IReadOnlyList<string>> ListedPlansAsync(CancellationToken cancellationToken) =>
        database.WithoutTenantAsync<IReadOnlyList<string>>(async connection =>
        {
            await using var command = new NpgsqlCommand("select id from plans where listed order by monthly_characters nulls last, id", connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var ids = new List<string>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                ids.Add(reader.GetString(0));
            }
            return ids;
        }, cancellationToken);

    /// <summary>Records a request; null when one is already open.</summary>
    public async Task<UpgradeRequest?> CreateAsync(Guid tenantId, string plan, string currentPlan, string? note, string actor, CancellationToken cancellationToken)
    {
        try
        {
            return await database.InTenantAsync(tenantId, async connection =>
            {
                UpgradeRequest request;
                await using (var command = new NpgsqlCommand(
                    $"insert into upgrade_requests (id, tenant_id, plan, current_plan, note, requested_by) values ($1, $2, $3, $4, $5, $6) returning {Columns}", connection))
                {
                    command.Parameters.Add(new() { Value = Guid.CreateVersion7() });
                    command.Parameters.Add(new() { Value = tenantId });
                    command.Parameters.Add(new() { Value = plan });
                    command.Parameters.Add(new() { Value = currentPlan });
                    command.Parameters.Add(new() { Value = (object?)note ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
                    command.Parameters.Add(new() { Value = actor });
                    await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                    request = Read(reader);
                }
                await AuditLog.RecordAsync(connection, tenantId, actor, "plan.upgrade_requested", $"upgrade_request:{request.Id}",
                    new { plan, current_plan = currentPlan }, cancellationToken).ConfigureAwait(false);
                return request;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && ex.ConstraintName == "upgrade_requests_one_pending")
        {
            return null;
        }
    }

    /// <summary>The workspace's newest request, whatever its state.</summary>
    public Task<UpgradeRequest?> LatestAsync(Guid tenantId, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand($"select {Columns} from upgrade_requests order by created_at desc, id desc limit 1", connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
        }, cancellationToken);

    /// <summary>Every workspace's requests (operators), newest first, optionally of one status.</summary>
    public async Task<IReadOnlyList<UpgradeRequest>> ListAsync(string? status, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await admin.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            $"select {Columns} from upgrade_requests where $1::text is null or status = $1 order by created_at desc, id desc limit $2", connection);
        command.Parameters.Add(new() { Value = (object?)status ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<UpgradeRequest>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(Read(reader));
        }
        return list;
    }

    /// <summary>Approves (the tenant's plan becomes the requested one) or declines a pending request, in one transaction.</summary>
    public async Task<(UpgradeDecision Result, UpgradeRequest? Request)> DecideAsync(Guid id, bool approve, string actor, CancellationToken cancellationToken)
    {
        await using var connection = await admin.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        UpgradeRequest? request;
        await using (var decide = new NpgsqlCommand(
            $"update upgrade_requests set status = $2, decided_at = now(), decided_by = $3 where id = $1 and status = 'pending' returning {Columns}", connection, transaction))
        {
            decide.Parameters.Add(new() { Value = id });
            decide.Parameters.Add(new() { Value = approve ? UpgradeStatus.Approved : UpgradeStatus.Declined });
            decide.Parameters.Add(new() { Value = actor });
            await using var reader = await decide.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            request = await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
        }
        if (request is null)
        {
            await using var exists = new NpgsqlCommand("select 1 from upgrade_requests where id = $1", connection, transaction);
            exists.Parameters.Add(new() { Value = id });
            return (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null ? UpgradeDecision.NotFound : UpgradeDecision.AlreadyDecided, null);
        }
        if (approve)
        {
            await using var plan = new NpgsqlCommand("update tenants set plan = $2 where id = $1", connection, transaction);
            plan.Parameters.Add(new() { Value = request.TenantId });
            plan.Parameters.Add(new() { Value = request.Plan });
            await plan.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await AuditLog.RecordAsync(connection, request.TenantId, actor, approve ? "plan.upgrade_approved" : "plan.upgrade_declined",
            $"upgrade_request:{request.Id}", new { plan = request.Plan, previous_plan = request.CurrentPlan }, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (UpgradeDecision.Done, request);
    }

    private static UpgradeRequest Read(NpgsqlDataReader r) => new(r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.GetString(3), r.GetString(4),
        r.IsDBNull(5) ? null : r.GetString(5), r.GetString(6), r.GetFieldValue<DateTimeOffset>(7),
        r.IsDBNull(8) ? null : r.GetFieldValue<DateTimeOffset>(8), r.IsDBNull(9) ? null : r.GetString(9));
}
