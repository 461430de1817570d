using Npgsql;
using NpgsqlTypes;

namespace Voice.Core.Jobs;

/// <summary>Reading: a tenant's jobs, one by one or a page at a time, and a completed job's word timestamps.</summary>
public sealed partial class JobStore
{
    /// <summary>The tenant's job, or null when it does not exist — or belongs to another tenant, which RLS hides.</summary>
    public Task<Job?> GetAsync(Guid tenantId, Guid jobId, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, connection => GetAsync(connection, jobId, cancellationToken), cancellationToken);

    /// <summary>A completed job's word timestamps; null when it did not ask for them (or is not completed).</summary>
    public Task<IReadOnlyList<WordTimestamp>?> GetWordsAsync(Guid tenantId, Guid jobId, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand("select words::text from jobs where id = $1 and words is not null", connection);
            command.Parameters.Add(new() { Value = jobId });
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string json ? WordTimestamps.FromJson(json) : null;
        }, cancellationToken);

    /// <summary>The tenant's jobs, newest first; page with <paramref name="before"/> (the last id of the previous page).</summary>
    public Task<IReadOnlyList<Job>> ListAsync(Guid tenantId, string? status, DateTimeOffset? from, DateTimeOffset? to, Guid? before, int limit, CancellationToken cancellationToken) =>
        database.InTenantAsync<IReadOnlyList<Job>>(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand($"""
                select {Columns} from jobs
                where ($1::text is null or status = $1) and ($2::timestamptz is null or created_at >= $2)
                  and ($3::timestamptz is null or created_at < $3) and ($4::uuid is null or id < $4)
                order by id desc limit $5
                """, connection);
            command.Parameters.Add(new() { Value = (object?)status ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new() { Value = (object?)from ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new() { Value = (object?)to ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new() { Value = (object?)before ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
            command.Parameters.Add(new() { Value = limit });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var jobs = new List<Job>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                jobs.Add(Read(reader));
            }
            return jobs;
        }, cancellationToken);
}
