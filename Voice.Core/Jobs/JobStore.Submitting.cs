using Npgsql;
using NpgsqlTypes;

namespace Voice.Core.Jobs;

/// <summary>Submitting: admitting new jobs against their plans (in batches, or one with an idempotency key) and withdrawing those the queue refused.</summary>
public sealed partial class JobStore
{
    /// <summary>
    /// Admits one tenant's submissions in order against its plan's limits and inserts the admitted ones (the
    /// <c>admit_jobs</c> function): one row per submission, a refusal reason or null, then the job's columns.
    /// </summary>
    private static readonly string Admit = $"select a.refusal, {Prefixed("(a.job)")} from admit_jobs($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24) a";

    private static NpgsqlBatchCommand AdmitCommand(Guid tenantId, IReadOnlyList<(Guid Id, NewJob Job)> jobs)
    {
        // Every job of a group was submitted under the same plan; the first carries the limits.
        var admission = jobs[0].Job.Admission;
        var command = new NpgsqlBatchCommand(Admit);
        var p = command.Parameters;
        p.Add(new() { Value = tenantId });
        p.Add(new() { Value = jobs.Select(j => j.Id).ToArray() });
        p.Add(new() { Value = jobs.Select(j => j.Job.Spec.Text).ToArray() });
        p.Add(new() { Value = jobs.Select(j => j.Job.Spec.Language).ToArray() });
        p.Add(new() { Value = jobs.Select(j => j.Job.Spec.Voice).ToArray() });
        p.Add(new() { Value = jobs.Select(j => j.Job.Spec.Format).ToArray() });
        p.Add(new() { Value = jobs.Select(j => j.Job.CallbackUrl).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        p.Add(new() { Value = jobs.Select(j => j.Job.Spec.Kind).ToArray() });
        p.Add(new() { Value = jobs.Select(j => j.Job.Spec.Speed).ToArray() });
        p.Add(new() { Value = jobs.Select(j => j.Job.Admission is null || !JobKinds.Speaks(j.Job.Spec.Kind) ? 0 : j.Job.AdmittedCharacters).ToArray() });
        p.Add(new() { Value = jobs.Select(j => j.Job.Admission is null ? 0L : JobAdmission.EstimatedAudioMs(j.Job.Spec, j.Job.SpokenCharacters)).ToArray() });
        p.Add(new() { Value = jobs.Select(j => j.Job.Spec.Stream).ToArray() });
        p.Add(new() { Value = jobs.Select(j => j.Job.Spec.WordTimestamps).ToArray() });
        p.Add(new() { Value = jobs.Select(j => j.Job.Pool).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        p.Add(new() { Value = jobs.Select(j => j.Job.Spec.SampleRate).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        p.Add(new() { Value = jobs.Select(j => j.Job.Spec.Seed).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        p.Add(new() { Value = jobs.Select(j => (short?)j.Job.Spec.StreamingLatency).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Smallint });
        p.Add(new() { Value = jobs.Select(j => j.Job.Spec.PreviousText).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        p.Add(new() { Value = jobs.Select(j => j.Job.Spec.NextText).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        p.Add(new() { Value = jobs.Select(j => j.Job.Spec.Dialogue?.ToJson()).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        p.Add(new() { Value = (object?)admission?.Period ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Date });
        p.Add(new() { Value = (object?)admission?.MaxActiveJobs ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        p.Add(new() { Value = (object?)admission?.MonthlyCharacters ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        p.Add(new() { Value = (object?)admission?.MonthlyAudioSeconds ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        return command;
    }

    private static AdmissionRefusal? ReadRefusal(NpgsqlDataReader reader) => reader.IsDBNull(0) ? null : reader.GetString(0) switch
    {
        "concurrency" => AdmissionRefusal.Concurrency,
        "characters" => AdmissionRefusal.Characters,
        _ => AdmissionRefusal.AudioSeconds,
    };

    /// <summary>
    /// Admits and writes queued jobs for any number of tenants in one round trip: per tenant, its jobs in
    /// submission order, each checked against its plan's limits. A refused job writes nothing.
    /// </summary>
    public async Task<IReadOnlyList<(Job? Job, AdmissionRefusal? Refusal)>> CreateManyAsync(IReadOnlyList<NewJob> jobs, CancellationToken cancellationToken)
    {
        var ids = jobs.Select(_ => Guid.CreateVersion7()).ToArray();
        // One statement per tenant and plan (a plan change between two submissions of a batch splits it).
        var groups = jobs.Select((job, index) => (job, index))
            .GroupBy(x => (x.job.TenantId, x.job.Admission))
            .OrderBy(g => g.Key.TenantId)
            .ToList();
        var statements = groups.Select(g => (g.Key.TenantId, AdmitCommand(g.Key.TenantId, [.. g.Select(x => (ids[x.index], x.job))]))).ToList();
        var rows = await database.BatchAsync(statements, r => (Refusal: ReadRefusal(r), Job: r.IsDBNull(1) ? null : Read(r, 1)), cancellationToken).ConfigureAwait(false);
        // One row per job, statement by statement (BatchAsync keeps the order of equal tenants), job by job.
        var order = groups.SelectMany(g => g).Select(x => x.index).ToList();
        var results = new (Job?, AdmissionRefusal?)[jobs.Count];
        for (int i = 0; i < order.Count; i++)
        {
            results[order[i]] = (rows[i].Job, rows[i].Job is null ? rows[i].Refusal : null);
        }
        return results;
    }

    /// <summary>
    /// Admits and writes a new queued job. With an idempotency key, the same key and request within 24 h return
    /// the original job (<see cref="SubmitResult.Replayed"/>); the same key with another request is a conflict.
    /// </summary>
    public async Task<SubmitResult> CreateAsync(NewJob job, string? idempotencyKey, byte[]? requestHash, CancellationToken cancellationToken)
    {
        if (idempotencyKey is null)
        {
            var (created, refusal) = (await CreateManyAsync([job], cancellationToken).ConfigureAwait(false))[0];
            return new SubmitResult(created, false, false, refusal);
        }
        try
        {
            return await TryCreateIdempotentAsync(job, idempotencyKey, requestHash!, cancellationToken).ConfigureAwait(false);
        }
        catch (IdempotencyRaceException)
        {
            // Another request with the same key committed first; ours rolled back. Now it is a replay or a conflict.
            return await TryCreateIdempotentAsync(job, idempotencyKey, requestHash!, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes a job outside any plan's limits (operator tools, tests).</summary>
    public Task<SubmitResult> CreateAsync(Guid tenantId, JobSpec spec, string? callbackUrl, string? idempotencyKey, byte[]? requestHash, CancellationToken cancellationToken) =>
        CreateAsync(new NewJob(tenantId, spec, callbackUrl), idempotencyKey, requestHash, cancellationToken);

    private sealed class IdempotencyRaceException() : Exception("A concurrent request used the same idempotency key.");

    private Task<SubmitResult> TryCreateIdempotentAsync(NewJob job, string idempotencyKey, byte[] requestHash, CancellationToken cancellationToken) =>
        database.InTenantAsync(job.TenantId, async connection =>
        {
            if (await PreviousUseAsync(connection, idempotencyKey, requestHash, forUpdate: true, cancellationToken).ConfigureAwait(false) is { } previous)
            {
                return previous;
            }
            var (created, refusal) = await AdmitOneAsync(connection, job, cancellationToken).ConfigureAwait(false);
            if (created is null)
            {
                return new SubmitResult(null, false, false, refusal);
            }
            // No key, or one older than the window: (re)claim it for this request. Concurrent first uses
            // serialise on the primary key; the later one finds it taken and this unit of work is retried.
            await using (var expired = new NpgsqlCommand("delete from idempotency_keys where key = $1 and created_at < now() - $2::interval", connection))
            {
                expired.Parameters.Add(new() { Value = idempotencyKey });
                expired.Parameters.Add(new() { Value = IdempotencyWindow });
                await expired.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await using (var remember = new NpgsqlCommand("""
                insert into idempotency_keys (tenant_id, key, request_hash, job_id) values ($2, $1, $3, $4)
                on conflict (tenant_id, key) do nothing
                """, connection))
            {
                remember.Parameters.Add(new() { Value = idempotencyKey });
                remember.Parameters.Add(new() { Value = job.TenantId });
                remember.Parameters.Add(new() { Value = requestHash });
                remember.Parameters.Add(new() { Value = created.Id });
                if (await remember.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                {
                    throw new IdempotencyRaceException();
                }
            }
            return new SubmitResult(created, Replayed: false, KeyConflict: false);
        }, cancellationToken);

    /// <summary>
    /// The answer an idempotency key already decides within its window: a replay of the same request's job, or a
    /// conflict with another request; null when the key is unused or expired.
    /// </summary>
    private async Task<SubmitResult?> PreviousUseAsync(NpgsqlConnection connection, string idempotencyKey, byte[]? requestHash, bool forUpdate,
        CancellationToken cancellationToken)
    {
        await using var previous = new NpgsqlCommand($"""
            select k.request_hash, k.created_at, {Prefixed("j")}
            from idempotency_keys k join jobs j on j.id = k.job_id
            where k.key = $1 {(forUpdate ? "for update of k" : "")}
            """, connection);
        previous.Parameters.Add(new() { Value = idempotencyKey });
        await using var reader = await previous.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false) || clock.GetUtcNow() - reader.GetFieldValue<DateTimeOffset>(1) >= IdempotencyWindow)
        {
            return null;
        }
        bool same = reader.GetFieldValue<byte[]>(0).AsSpan().SequenceEqual(requestHash);
        return same ? new SubmitResult(Read(reader, 2), Replayed: true, KeyConflict: false) : new SubmitResult(null, false, KeyConflict: true);
    }

    /// <summary>Runs <c>admit_jobs</c> for one job on this connection: the job written, or the plan's refusal.</summary>
    private static async Task<(Job? Job, AdmissionRefusal? Refusal)> AdmitOneAsync(NpgsqlConnection connection, NewJob job, CancellationToken cancellationToken)
    {
        var admit = AdmitCommand(job.TenantId, [(Guid.CreateVersion7(), job)]);
        await using var command = new NpgsqlCommand(admit.CommandText, connection);
        foreach (NpgsqlParameter parameter in admit.Parameters)
        {
            command.Parameters.Add(parameter.Clone());
        }
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return ReadRefusal(reader) is { } refusal ? (null, refusal) : (Read(reader, 1), null);
    }

    /// <summary>Removes jobs that never reached the queue (the enqueue failed), so nothing waits for them forever.</summary>
    public Task DeleteQueuedAsync(IReadOnlyList<Job> jobs, CancellationToken cancellationToken) =>
        database.BatchAsync([.. jobs.GroupBy(j => j.TenantId).Select(group => (group.Key, new NpgsqlBatchCommand(
            "delete from jobs where id = any($1) and status = 'queued' and attempts = 0")
        {
            Parameters = { new() { Value = group.Select(j => j.Id).ToArray() } },
        }))], _ => 0, cancellationToken);
}
