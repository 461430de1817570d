using Npgsql;

namespace Voice.Core.Database;

/// <summary>
/// The services' way into Postgres: connections as <c>voice_app</c> (row-level security applies), and every
/// unit of work in a transaction that first declares its tenant with <c>set_config('app.tenant_id', …, true)</c>.
/// The setting is transaction-local, so a pooled connection never carries a tenant to its next user.
/// </summary>
public sealed class TenantDatabase(NpgsqlDataSource dataSource)
{
    public NpgsqlDataSource DataSource => dataSource;

    /// <summary>Runs <paramref name="work"/> in one transaction that sees only <paramref name="tenantId"/>'s rows.</summary>
    public async Task<T> InTenantAsync<T>(Guid tenantId, Func<NpgsqlConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var declare = new NpgsqlCommand("select set_config('app.tenant_id', $1, true), set_config('voice.trace_parent', $2, true)", connection, transaction))
        {
            declare.Parameters.Add(new() { Value = tenantId.ToString() });
            declare.Parameters.Add(new() { Value = TraceParent() });
            await declare.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        var result = await work(connection).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    public Task InTenantAsync(Guid tenantId, Func<NpgsqlConnection, Task> work, CancellationToken cancellationToken) =>
        InTenantAsync(tenantId, async connection =>
        {
            await work(connection).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    private const string Declaration = "tenant_declared";

    /// <summary>The caller's W3C trace context, declared with the tenant so rows written now can continue the trace (webhook deliveries).</summary>
    private static string TraceParent() => System.Diagnostics.Activity.Current?.Id ?? "";

    /// <summary>
    /// Runs statements for any number of tenants in one round trip and one (implicit) transaction: each
    /// statement is preceded by its tenant's declaration, which lasts until the batch ends, so every statement
    /// sees only its own tenant's rows. If any statement fails, nothing is committed (a deadlock is retried). The rows of every
    /// statement's result are read with <paramref name="read"/>, tenant by tenant in ascending id order.
    /// </summary>
    public async Task<List<T>> BatchAsync<T>(IReadOnlyList<(Guid TenantId, NpgsqlBatchCommand Command)> statements, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        if (statements.Count == 0)
        {
            return [];
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        // Tenant by tenant, always in the same order: statements lock per-tenant rows (the activity counters),
        // and batches that took them in different orders could deadlock. The order within a tenant is kept.
        foreach (var (tenantId, command) in statements.OrderBy(s => s.TenantId))
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"select set_config('app.tenant_id', $1, true) as {Declaration}, set_config('voice.trace_parent', $2, true)")
            {
                Parameters = { new() { Value = tenantId.ToString() }, new() { Value = TraceParent() } },
            });
            batch.BatchCommands.Add(command);
        }
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await ReadAllAsync(batch, read, cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.DeadlockDetected && attempt < MaxDeadlockAttempts)
            {
                // Rows of one tenant can still be locked in different orders by different statements (its two
                // quota periods at a month's turn). Postgres rolled the whole batch back, so running it again is safe.
            }
        }
    }

    private const int MaxDeadlockAttempts = 3;

    private static async Task<List<T>> ReadAllAsync<T>(NpgsqlBatch batch, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        var results = new List<T>();
        // Every result but the declarations' is a statement's rows. Statements without rows (an insert with no
        // returning) yield no result at all, so results are told apart by their first column, not counted.
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        do
        {
            if (reader.FieldCount == 0 || reader.GetName(0) == Declaration)
            {
                continue;
            }
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                results.Add(read(reader));
            }
        }
        while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));
        return results;
    }

    /// <summary>
    /// Work with no tenant declared: row-level security hides every tenant-owned row, so this is only useful
    /// for the SECURITY DEFINER lookups that identify a caller (credentials, logins).
    /// </summary>
    public async Task<T> WithoutTenantAsync<T>(Func<NpgsqlConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await work(connection).ConfigureAwait(false);
    }
}

/// <summary>
/// Connections as <c>voice_admin</c>, which bypasses row-level security. Registered only in the API and used
/// only by the admin API and start-up bootstrap; the worker never has it.
/// </summary>
public sealed class AdminDatabase(NpgsqlDataSource dataSource)
{
    public NpgsqlDataSource DataSource => dataSource;
}
