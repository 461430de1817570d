using Npgsql;
using NpgsqlTypes;
using Voice.Core.Database;

namespace Voice.Core.Jobs;

/// <summary>
/// The jobs ledger in Postgres: the truth about every job. The queue only delivers; a job exists once its
/// row is committed, and it completes only if the attempt that claimed it is still the current one.
/// Every query runs in its tenant's row-level-security scope.
/// </summary>
public sealed class JobStore(TenantDatabase database)
{
    private const string Columns = """
        id, tenant_id, status, text, language, voice, format, attempts, engine, model, error::text,
        result_path, result_bytes, duration_ms, sample_rate, created_at, started_at, finished_at
        """;

    public Task<Job> CreateAsync(Guid tenantId, JobSpec spec, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand($"""
                insert into jobs (id, tenant_id, text, language, voice, format)
                values ($1, $2, $3, $4, $5, $6)
                returning {Columns}
                """, connection);
            command.Parameters.Add(new() { Value = Guid.CreateVersion7() });
            command.Parameters.Add(new() { Value = tenantId });
            command.Parameters.Add(new() { Value = spec.Text });
            command.Parameters.Add(new() { Value = spec.Language });
            command.Parameters.Add(new() { Value = spec.Voice });
            command.Parameters.Add(new() { Value = spec.Format });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            return Read(reader);
        }, cancellationToken);

    /// <summary>The tenant's job, or null when it does not exist — or belongs to another tenant, which RLS hides.</summary>
    public Task<Job?> GetAsync(Guid tenantId, Guid jobId, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand($"select {Columns} from jobs where id = $1", connection);
            command.Parameters.Add(new() { Value = jobId });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
        }, cancellationToken);

    /// <summary>Removes a job that never reached the queue (the enqueue failed), so nothing waits for it forever.</summary>
    public Task DeleteQueuedAsync(Guid tenantId, Guid jobId, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand("delete from jobs where id = $1 and status = 'queued'", connection);
            command.Parameters.Add(new() { Value = jobId });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>
    /// Marks the job running and counts the attempt. Null when the job is already finished or canceled:
    /// a redelivered entry for such a job is acknowledged without running again.
    /// </summary>
    public Task<ClaimedJob?> ClaimAsync(Guid tenantId, Guid jobId, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand("""
                update jobs set status = 'running', attempts = attempts + 1, started_at = coalesce(started_at, now())
                where id = $1 and status in ('queued', 'running')
                returning text, language, voice, format, attempts
                """, connection);
            command.Parameters.Add(new() { Value = jobId });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }
            return new ClaimedJob(jobId, tenantId,
                new JobSpec(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)),
                reader.GetInt32(4));
        }, cancellationToken);

    /// <summary>Commits the result if the claim is still the job's current attempt.</summary>
    public Task<bool> CompleteAsync(ClaimedJob job, string engine, string model, JobResult result, CancellationToken cancellationToken) =>
        database.InTenantAsync(job.TenantId, async connection =>
        {
            await using var command = new NpgsqlCommand("""
                update jobs set status = 'completed', engine = $3, model = $4, result_path = $5, result_bytes = $6,
                                duration_ms = $7, sample_rate = $8, error = null, finished_at = now()
                where id = $1 and attempts = $2 and status = 'running'
                """, connection);
            command.Parameters.Add(new() { Value = job.Id });
            command.Parameters.Add(new() { Value = job.Attempt });
            command.Parameters.Add(new() { Value = engine });
            command.Parameters.Add(new() { Value = model });
            command.Parameters.Add(new() { Value = result.BlobPath });
            command.Parameters.Add(new() { Value = result.Bytes });
            command.Parameters.Add(new() { Value = result.DurationMs });
            command.Parameters.Add(new() { Value = result.SampleRate });
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken);

    /// <summary>Records a failure (an RFC 9457 problem document as JSON) for the current attempt.</summary>
    public Task<bool> FailAsync(ClaimedJob job, string problemJson, CancellationToken cancellationToken) =>
        database.InTenantAsync(job.TenantId, async connection =>
        {
            await using var command = new NpgsqlCommand("""
                update jobs set status = 'failed', error = $3, finished_at = now()
                where id = $1 and attempts = $2 and status = 'running'
                """, connection);
            command.Parameters.Add(new() { Value = job.Id });
            command.Parameters.Add(new() { Value = job.Attempt });
            command.Parameters.Add(new() { Value = problemJson, NpgsqlDbType = NpgsqlDbType.Jsonb });
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken);

    private static Job Read(NpgsqlDataReader reader)
    {
        JobResult? result = reader.IsDBNull(11) ? null : new JobResult(
            reader.GetString(11), reader.GetInt64(12), reader.GetInt32(13), reader.GetInt32(14));
        return new Job(
            Id: reader.GetGuid(0),
            TenantId: reader.GetGuid(1),
            Status: reader.GetString(2),
            Spec: new JobSpec(reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetString(6)),
            Attempts: reader.GetInt32(7),
            Engine: reader.IsDBNull(8) ? null : reader.GetString(8),
            Model: reader.IsDBNull(9) ? null : reader.GetString(9),
            Error: reader.IsDBNull(10) ? null : reader.GetString(10),
            Result: result,
            CreatedAt: reader.GetFieldValue<DateTimeOffset>(15),
            StartedAt: reader.IsDBNull(16) ? null : reader.GetFieldValue<DateTimeOffset>(16),
            FinishedAt: reader.IsDBNull(17) ? null : reader.GetFieldValue<DateTimeOffset>(17));
    }
}
