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
            if (idempotencyKey is not null
                && await PreviousUseAsync(connection, idempotencyKey, requestHash, forUpdate: false, cancellationToken).ConfigureAwait(false) is { } previous)
            {
                return previous;
            }
            if (job.Admission is null)
            {
                return null;
            }
            await ExecuteAsync(connection, "savepoint precheck", cancellationToken).ConfigureAwait(false);
            var (_, refusal) = await AdmitOneAsync(connection, job, cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, "rollback to savepoint precheck", cancellationToken).ConfigureAwait(false);
            return refusal is null ? null : new SubmitResult(null, false, false, refusal);
        }, cancellationToken);

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
