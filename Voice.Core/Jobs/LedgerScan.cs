using Npgsql;
using Voice.Core.Database;
using Voice.Core.Webhooks;

namespace Voice.Core.Jobs;

/// <summary>
/// The reconciler's cross-tenant view of the ledger, through SECURITY DEFINER functions that return only ids:
/// unfinished jobs that may have lost their queue entry, and pending deliveries that fell off the schedule.
/// </summary>
public sealed class LedgerScan(TenantDatabase database)
{
    /// <summary>An unfinished job; <see cref="Pool"/> is null for one written before pools existed.</summary>
    public sealed record UnfinishedJob(Guid JobId, Guid TenantId, string Plan, string? Pool);

    /// <summary>Unfinished jobs older than <paramref name="olderThan"/>, created since <paramref name="since"/> (null: ever).</summary>
    public Task<IReadOnlyList<UnfinishedJob>> UnfinishedJobsAsync(DateTimeOffset? since, TimeSpan olderThan, int limit, CancellationToken cancellationToken) =>
        database.WithoutTenantAsync<IReadOnlyList<UnfinishedJob>>(async connection =>
        {
            await using var command = new NpgsqlCommand("select job_id, tenant_id, plan, pool from jobs_awaiting_delivery($1, $2, $3)", connection);
            command.Parameters.Add(new() { Value = (object?)since ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new() { Value = olderThan });
            command.Parameters.Add(new() { Value = limit });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var jobs = new List<UnfinishedJob>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                jobs.Add(new UnfinishedJob(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
            }
            return jobs;
        }, cancellationToken);

    public Task<IReadOnlyList<ScheduledDelivery>> OverdueDeliveriesAsync(TimeSpan overdue, int limit, CancellationToken cancellationToken) =>
        database.WithoutTenantAsync<IReadOnlyList<ScheduledDelivery>>(async connection =>
        {
            await using var command = new NpgsqlCommand("select delivery_id, tenant_id, next_attempt_at from webhook_deliveries_due($1, $2)", connection);
            command.Parameters.Add(new() { Value = overdue });
            command.Parameters.Add(new() { Value = limit });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var deliveries = new List<ScheduledDelivery>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                deliveries.Add(new ScheduledDelivery(reader.GetGuid(1), reader.GetGuid(0), reader.GetFieldValue<DateTimeOffset>(2)));
            }
            return deliveries;
        }, cancellationToken);
}
