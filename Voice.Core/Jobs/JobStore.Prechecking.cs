using Npgsql;

namespace Voice.Core.Jobs;

/// <summary>Prechecking: what a submission would get now, before a request spends work (decoding an inline voice) on it.</summary>
public sealed partial class JobStore
{
    /// <summary>
    /// What submitting <paramref name="job"/> would answer now, or null when it would be admitted: the replay or
    /// conflict its idempotency key already decides, else the plan's refusal. The refusal comes from
    /// <c>admit_jobs</c> itself, run inside a savepoint that is rolled back, so the rules cannot drift from the
    /// real admission; the real one still decides (another request may take the last slot in between).
    /// </summary>
    public Task<SubmitResult?> PrecheckAsync(NewJob job, string? idempotencyKey, byte[]? requestHash, CancellationToken cancellationToken) =>
        database.InTenantAsync(job.TenantId, async connection =>
        {
            if (idempotencyKey is not null)
            {
                await using var previous = new NpgsqlCommand($"""
                    select k.request_hash, k.created_at, {Prefixed("j")}
                    from idempotency_keys k join jobs j on j.id = k.job_id
                    where k.key = $1
                    """, connection);
                previous.Parameters.Add(new() { Value = idempotencyKey });
                await using var reader = await previous.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && clock.GetUtcNow() - reader.GetFieldValue<DateTimeOffset>(1) < IdempotencyWindow)
                {
                    bool same = reader.GetFieldValue<byte[]>(0).AsSpan().SequenceEqual(requestHash);
                    return same ? new SubmitResult(Read(reader, 2), Replayed: true, KeyConflict: false) : new SubmitResult(null, false, KeyConflict: true);
                }
            }
            if (job.Admission is null)
            {
                return null;
            }
            await using (var savepoint = new NpgsqlCommand("savepoint precheck", connection))
            {
                await savepoint.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            AdmissionRefusal? refusal;
            var admit = AdmitCommand(job.TenantId, [(Guid.CreateVersion7(), job)]);
            await using (var command = new NpgsqlCommand(admit.CommandText, connection))
            {
                foreach (NpgsqlParameter parameter in admit.Parameters)
                {
                    command.Parameters.Add(parameter.Clone());
                }
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                refusal = ReadRefusal(reader);
            }
            await using (var rollback = new NpgsqlCommand("rollback to savepoint precheck", connection))
            {
                await rollback.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            return refusal is null ? null : new SubmitResult(null, false, false, refusal);
        }, cancellationToken);
}
