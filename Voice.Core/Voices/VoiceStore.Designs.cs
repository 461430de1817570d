using Npgsql;
using NpgsqlTypes;
using Voice.Core.Audit;

namespace Voice.Core.Voices;

/// <summary>How keeping a design's candidate ended.</summary>
public enum KeepOutcome
{
    Kept,
    NotFound,
    NotReady,
    VoiceLimit,
}

/// <summary>
/// A design's candidates: several renderings of one description, made together and previewed; the tenant keeps one
/// (it becomes a voice, billed and counted as any) and the rest are deleted. Candidates live a day at most: a
/// tenant's expired ones are deleted when it designs again, and are invisible before that.
/// </summary>
public sealed partial class VoiceStore
{
    public static readonly TimeSpan CandidateLifetime = TimeSpan.FromHours(24);

    private static readonly string Alive = $"created_at > now() - interval '{(int)CandidateLifetime.TotalHours} hours'";

    /// <summary>
    /// Creates a design's candidates unless the tenant would then hold more than <paramref name="maxOpen"/> open
    /// candidates (null then). Expired candidates are deleted first.
    /// </summary>
    public Task<IReadOnlyList<VoiceProfile>?> CreateCandidatesAsync(Guid tenantId, Guid designId, IReadOnlyList<NewVoice> candidates, int maxOpen,
        string actor, CancellationToken cancellationToken) =>
        database.InTenantAsync<IReadOnlyList<VoiceProfile>?>(tenantId, async connection =>
        {
            await LockVoicesAsync(connection, tenantId, cancellationToken).ConfigureAwait(false);
            await using (var expired = new NpgsqlCommand($"delete from voices where design_id is not null and not ({Alive})", connection))
            {
                await expired.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await using (var open = new NpgsqlCommand("select count(*) from voices where design_id is not null", connection))
            {
                if ((long)(await open.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! + candidates.Count > maxOpen)
                {
                    return null;
                }
            }
            var created = new List<VoiceProfile>();
            foreach (var voice in candidates)
            {
                await using var insert = new NpgsqlCommand($"""
                    insert into voices (id, tenant_id, name, mode, language, description, transient, design_id, variant)
                    values ($1, $2, $3, $4, $5, $6, false, $7, $8)
                    returning {Columns}
                    """, connection);
                insert.Parameters.Add(new() { Value = voice.Id });
                insert.Parameters.Add(new() { Value = tenantId });
                insert.Parameters.Add(new() { Value = voice.Name });
                insert.Parameters.Add(new() { Value = voice.Mode });
                insert.Parameters.Add(new() { Value = voice.Language });
                insert.Parameters.Add(Text(voice.Description));
                insert.Parameters.Add(new() { Value = designId });
                insert.Parameters.Add(new() { Value = (object?)voice.Variant ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
                await using var reader = await insert.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                created.Add(Read(reader));
            }
            await AuditLog.RecordAsync(connection, tenantId, actor, "voice.designed", $"design:{designId}",
                new { candidates = candidates.Count }, cancellationToken).ConfigureAwait(false);
            return created;
        }, cancellationToken);

    /// <summary>Records the task that previews a candidate (shown with the design).</summary>
    public Task SetPreviewTaskAsync(Guid tenantId, Guid voiceId, Guid taskId, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand("update voices set preview_task = $2 where id = $1", connection);
            command.Parameters.Add(new() { Value = voiceId });
            command.Parameters.Add(new() { Value = taskId });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>A design's living candidates in the order they were made; empty when there is no such design (or it expired, or was kept).</summary>
    public Task<IReadOnlyList<VoiceProfile>> CandidatesAsync(Guid tenantId, Guid designId, CancellationToken cancellationToken) =>
        database.InTenantAsync<IReadOnlyList<VoiceProfile>>(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand($"select {Columns} from voices where design_id = $1 and {Alive} order by id", connection);
            command.Parameters.Add(new() { Value = designId });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var candidates = new List<VoiceProfile>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                candidates.Add(Read(reader));
            }
            return candidates;
        }, cancellationToken);

    /// <summary>
    /// Keeps one prepared candidate as a voice (named <paramref name="name"/> if given) within the plan's voice limit,
    /// billed at the plan's price per voice, and deletes the design's other candidates.
    /// </summary>
    public Task<(KeepOutcome Outcome, VoiceProfile? Voice)> KeepAsync(Guid tenantId, Guid designId, Guid voiceId, string? name, string actor,
        CancellationToken cancellationToken) =>
        database.InTenantAsync<(KeepOutcome, VoiceProfile?)>(tenantId, async connection =>
        {
            await LockVoicesAsync(connection, tenantId, cancellationToken).ConfigureAwait(false);
            string? status;
            await using (var find = new NpgsqlCommand($"select status from voices where id = $1 and design_id = $2 and {Alive}", connection))
            {
                find.Parameters.Add(new() { Value = voiceId });
                find.Parameters.Add(new() { Value = designId });
                status = (string?)await find.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            }
            if (status is null)
            {
                return (KeepOutcome.NotFound, null);
            }
            if (status != VoiceStatus.Ready)
            {
                return (KeepOutcome.NotReady, null);
            }
            await using var keep = new NpgsqlCommand($"""
                update voices set design_id = null, name = coalesce($2, name)
                where id = $1 and (select count(*) from voices where not transient and design_id is null)
                                  < (select p.max_voices from tenants t join plans p on p.id = t.plan where t.id = $3)
                returning {Columns}
                """, connection);
            keep.Parameters.Add(new() { Value = voiceId });
            keep.Parameters.Add(Text(name));
            keep.Parameters.Add(new() { Value = tenantId });
            VoiceProfile? kept;
            await using (var reader = await keep.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                kept = await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
            }
            if (kept is null)
            {
                return (KeepOutcome.VoiceLimit, null);
            }
            await DeleteCandidatesAsync(connection, designId, cancellationToken).ConfigureAwait(false);
            await ChargeVoiceAsync(connection, tenantId, voiceId, cancellationToken).ConfigureAwait(false);
            await AuditLog.RecordAsync(connection, tenantId, actor, "voice.created", $"voice:{voiceId}",
                new { mode = kept.Mode, name = kept.Name, consent = false, design = designId, variant = kept.Variant }, cancellationToken).ConfigureAwait(false);
            return (KeepOutcome.Kept, kept);
        }, cancellationToken);

    /// <summary>Deletes a design's candidates; how many there were.</summary>
    public Task<int> DiscardDesignAsync(Guid tenantId, Guid designId, string actor, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            int deleted = await DeleteCandidatesAsync(connection, designId, cancellationToken).ConfigureAwait(false);
            if (deleted > 0)
            {
                await AuditLog.RecordAsync(connection, tenantId, actor, "voice.design_discarded", $"design:{designId}", new { candidates = deleted }, cancellationToken)
                    .ConfigureAwait(false);
            }
            return deleted;
        }, cancellationToken);

    private static async Task<int> DeleteCandidatesAsync(NpgsqlConnection connection, Guid designId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("delete from voices where design_id = $1", connection);
        command.Parameters.Add(new() { Value = designId });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Serialises a tenant's voice creations, so concurrent ones cannot overshoot a limit.</summary>
    private static async Task LockVoicesAsync(NpgsqlConnection connection, Guid tenantId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("select pg_advisory_xact_lock(hashtextextended('voices:' || $1::text, 0))", connection);
        command.Parameters.Add(new() { Value = tenantId });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A lasting profile is billed once, at its plan's price per voice.</summary>
    private static async Task ChargeVoiceAsync(NpgsqlConnection connection, Guid tenantId, Guid voiceId, CancellationToken cancellationToken)
    {
        await using var charge = new NpgsqlCommand("""
            insert into usage_records (tenant_id, voice_id, kind, characters, audio_seconds, engine, compute_ms, plan, price_per_voice, cost, currency)
            select t.id, $2, 'voice', 0, 0, '', 0, p.id, p.price_per_voice, p.price_per_voice, p.currency
            from tenants t join plans p on p.id = t.plan where t.id = $1
            """, connection);
        charge.Parameters.Add(new() { Value = tenantId });
        charge.Parameters.Add(new() { Value = voiceId });
        await charge.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
