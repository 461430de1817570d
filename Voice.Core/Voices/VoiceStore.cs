using Npgsql;
using NpgsqlTypes;
using Voice.Core.Audit;
using Voice.Core.Crypto;
using Voice.Core.Database;

namespace Voice.Core.Voices;

/// <summary>A tenant's voice profile as stored: what it was made from, and once prepared, the engine's prompt.</summary>
public sealed record VoiceProfile(
    Guid Id,
    Guid TenantId,
    string Name,
    string Mode,
    string Status,
    string Language,
    string? Description,
    string? ReferenceText,
    string? ReferencePath,
    string? ConsentJson,
    string? QualityJson,
    string? Engine,
    byte[]? Prompt,
    string? AnalysisJson,
    IReadOnlyList<string> Notes,
    string? Fidelity,
    string? ErrorJson,
    bool Transient,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ReadyAt,
    string? Instruction = null,
    string? Model = null,
    Guid? DesignId = null,
    int? Variant = null,
    Guid? PreviewTaskId = null)
{
    /// <summary>A design's candidate, not yet kept: not listed, not counted as a voice, deleted with its design.</summary>
    public bool Candidate => DesignId is not null;

    /// <summary>What its prompt is valid for (<see cref="Pools.PromptFormats"/>); null until prepared.</summary>
    public string? PromptFormat => Engine is null || Model is null ? null : Pools.PromptFormats.Of(Engine, Model);
}

/// <summary>A profile to create. <see cref="ReferencePath"/> is where the prepared reference was stored (clones); <see cref="Variant"/> is a design candidate's.</summary>
public sealed record NewVoice(
    Guid Id,
    string Name,
    string Mode,
    string Language,
    string? Description,
    string? ReferenceText,
    string? ReferencePath,
    string? ConsentJson,
    string? QualityJson,
    bool Transient,
    string? Instruction = null,
    int? Variant = null);

public static class VoiceModes
{
    public const string Clone = "clone";
    public const string Design = "design";
    public const string Preset = "preset";
}

public static class VoiceStatus
{
    public const string Preparing = "preparing";
    public const string Ready = "ready";
    public const string Failed = "failed";
}

/// <summary>
/// Voice profiles in Postgres, within the tenant's row-level-security scope. Creating one checks the plan's
/// voice limit under a per-tenant lock, so concurrent creations cannot overshoot it; transient profiles (made
/// inline by a generate request) and a design's candidates do not count and are not listed.
/// </summary>
public sealed partial class VoiceStore(TenantDatabase database, TenantKeys keys)
{
    /// <summary>The name a voice's prompt is encrypted under (binds the ciphertext to this voice).</summary>
    private static string PromptName(Guid id) => $"voice-prompt/{id:N}";

    /// <summary>The engine's prompt of a prepared voice, decrypted; null when it has none.</summary>
    public async Task<byte[]?> OpenPromptAsync(VoiceProfile profile, CancellationToken cancellationToken) =>
        profile.Prompt is { } sealedPrompt ? await keys.OpenAsync(profile.TenantId, PromptName(profile.Id), sealedPrompt, cancellationToken).ConfigureAwait(false) : null;

    /// <summary>Re-encrypts the tenant's voice prompts written under key versions older than <paramref name="current"/>; how many.</summary>
    public async Task<int> ReencryptPromptsAsync(Guid tenantId, int current, CancellationToken cancellationToken)
    {
        var stale = await database.InTenantAsync(tenantId, async connection =>
        {
            // Bytes 9–12 of the header are the key version (big-endian).
            await using var command = new NpgsqlCommand(
                "select id, prompt from voices where tenant_id = $1 and prompt is not null and get_byte(prompt, 8) * 16777216 + get_byte(prompt, 9) * 65536 + get_byte(prompt, 10) * 256 + get_byte(prompt, 11) < $2",
                connection);
            command.Parameters.Add(new() { Value = tenantId });
            command.Parameters.Add(new() { Value = current });
            var rows = new List<(Guid, byte[])>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add((reader.GetGuid(0), reader.GetFieldValue<byte[]>(1)));
            }
            return rows;
        }, cancellationToken).ConfigureAwait(false);
        foreach (var (id, sealedPrompt) in stale)
        {
            byte[] prompt = await keys.OpenAsync(tenantId, PromptName(id), sealedPrompt, cancellationToken).ConfigureAwait(false);
            byte[] resealed = await keys.SealAsync(tenantId, PromptName(id), prompt, cancellationToken).ConfigureAwait(false);
            await database.InTenantAsync(tenantId, async connection =>
            {
                await using var update = new NpgsqlCommand("update voices set prompt = $2 where id = $1 and prompt = $3", connection);
                update.Parameters.Add(new() { Value = id });
                update.Parameters.Add(new() { Value = resealed });
                update.Parameters.Add(new() { Value = sealedPrompt });
                return await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }
        return stale.Count;
    }

    private const string Columns = """
        id, tenant_id, name, mode, status, language, description, reference_text, reference_path, consent::text, quality::text,
        engine, prompt, analysis::text, notes, fidelity, error::text, transient, created_at, ready_at, instruction, model,
        design_id, variant, preview_task
        """;

    /// <summary>Creates the profile, or returns null when the tenant already has its plan's maximum of voices.</summary>
    public Task<VoiceProfile?> CreateAsync(Guid tenantId, NewVoice voice, string actor, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            await LockVoicesAsync(connection, tenantId, cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand($"""
                insert into voices (id, tenant_id, name, mode, language, description, reference_text, reference_path, consent, quality, transient, instruction)
                select $1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11, $12
                where $11 or (select count(*) from voices where not transient and design_id is null)
                      < (select p.max_voices from tenants t join plans p on p.id = t.plan where t.id = $2)
                returning {Columns}
                """, connection);
            command.Parameters.Add(new() { Value = voice.Id });
            command.Parameters.Add(new() { Value = tenantId });
            command.Parameters.Add(new() { Value = voice.Name });
            command.Parameters.Add(new() { Value = voice.Mode });
            command.Parameters.Add(new() { Value = voice.Language });
            command.Parameters.Add(Text(voice.Description));
            command.Parameters.Add(Text(voice.ReferenceText));
            command.Parameters.Add(Text(voice.ReferencePath));
            command.Parameters.Add(Text(voice.ConsentJson));
            command.Parameters.Add(Text(voice.QualityJson));
            command.Parameters.Add(new() { Value = voice.Transient });
            command.Parameters.Add(Text(voice.Instruction));
            VoiceProfile? created;
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                created = await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
            }
            if (created is not null && !voice.Transient)
            {
                await ChargeVoiceAsync(connection, tenantId, voice.Id, cancellationToken).ConfigureAwait(false);
                await AuditLog.RecordAsync(connection, tenantId, actor, "voice.created", $"voice:{voice.Id}",
                    new { mode = voice.Mode, name = voice.Name, consent = voice.ConsentJson is not null }, cancellationToken).ConfigureAwait(false);
            }
            return created;
        }, cancellationToken);

    public Task<VoiceProfile?> GetAsync(Guid tenantId, Guid id, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand($"select {Columns} from voices where id = $1", connection);
            command.Parameters.Add(new() { Value = id });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
        }, cancellationToken);

    /// <summary>The tenant's lasting profiles, newest first; page with <paramref name="before"/> (the last id of the previous page).</summary>
    public Task<IReadOnlyList<VoiceProfile>> ListAsync(Guid tenantId, Guid? before, int limit, CancellationToken cancellationToken) =>
        database.InTenantAsync<IReadOnlyList<VoiceProfile>>(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand($"""
                select {Columns} from voices where not transient and design_id is null and ($1::uuid is null or id < $1) order by id desc limit $2
                """, connection);
            command.Parameters.Add(new() { Value = (object?)before ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
            command.Parameters.Add(new() { Value = limit });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var voices = new List<VoiceProfile>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                voices.Add(Read(reader));
            }
            return voices;
        }, cancellationToken);

    public Task<VoiceProfile?> RenameAsync(Guid tenantId, Guid id, string name, string actor, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand($"update voices set name = $2 where id = $1 and not transient returning {Columns}", connection);
            command.Parameters.Add(new() { Value = id });
            command.Parameters.Add(new() { Value = name });
            VoiceProfile? renamed;
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                renamed = await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
            }
            if (renamed is not null)
            {
                await AuditLog.RecordAsync(connection, tenantId, actor, "voice.renamed", $"voice:{id}", new { name }, cancellationToken).ConfigureAwait(false);
            }
            return renamed;
        }, cancellationToken);

    /// <summary>Deletes the profile; returns it (so its reference audio can be removed too), or null if there was none.</summary>
    public Task<VoiceProfile?> DeleteAsync(Guid tenantId, Guid id, string actor, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand($"delete from voices where id = $1 returning {Columns}", connection);
            command.Parameters.Add(new() { Value = id });
            VoiceProfile? deleted;
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                deleted = await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
            }
            if (deleted is { Transient: false })
            {
                await AuditLog.RecordAsync(connection, tenantId, actor, "voice.deleted", $"voice:{id}", new { mode = deleted.Mode, name = deleted.Name }, cancellationToken).ConfigureAwait(false);
            }
            return deleted;
        }, cancellationToken);

    /// <summary>
    /// Stores what the engine and model prepared (the prompt encrypted under the tenant's key). Another engine's or
    /// model's earlier preparation is replaced.
    /// </summary>
    public async Task<bool> MarkReadyAsync(Guid tenantId, Guid id, string engine, string model, byte[] prompt, string analysisJson, IReadOnlyList<string> notes, string fidelity, CancellationToken cancellationToken)
    {
        byte[] sealedPrompt = await keys.SealAsync(tenantId, PromptName(id), prompt, cancellationToken).ConfigureAwait(false);
        return await database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand("""
                update voices set status = 'ready', engine = $2, prompt = $3, analysis = $4::jsonb, notes = $5, fidelity = $6, model = $7, error = null, ready_at = now()
                where id = $1
                """, connection);
            command.Parameters.Add(new() { Value = id });
            command.Parameters.Add(new() { Value = engine });
            command.Parameters.Add(new() { Value = sealedPrompt });
            command.Parameters.Add(new() { Value = analysisJson, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new() { Value = notes.ToArray() });
            command.Parameters.Add(new() { Value = fidelity });
            command.Parameters.Add(new() { Value = model });
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Records why the engine could not prepare the profile (an RFC 9457 problem document).</summary>
    public Task<bool> MarkFailedAsync(Guid tenantId, Guid id, string problemJson, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand("update voices set status = 'failed', error = $2::jsonb where id = $1 and status <> 'ready'", connection);
            command.Parameters.Add(new() { Value = id });
            command.Parameters.Add(new() { Value = problemJson, NpgsqlDbType = NpgsqlDbType.Text });
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken);

    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    private static VoiceProfile Read(NpgsqlDataReader r) => new(
        Id: r.GetGuid(0),
        TenantId: r.GetGuid(1),
        Name: r.GetString(2),
        Mode: r.GetString(3),
        Status: r.GetString(4),
        Language: r.GetString(5),
        Description: r.IsDBNull(6) ? null : r.GetString(6),
        ReferenceText: r.IsDBNull(7) ? null : r.GetString(7),
        ReferencePath: r.IsDBNull(8) ? null : r.GetString(8),
        ConsentJson: r.IsDBNull(9) ? null : r.GetString(9),
        QualityJson: r.IsDBNull(10) ? null : r.GetString(10),
        Engine: r.IsDBNull(11) ? null : r.GetString(11),
        Prompt: r.IsDBNull(12) ? null : r.GetFieldValue<byte[]>(12),
        AnalysisJson: r.IsDBNull(13) ? null : r.GetString(13),
        Notes: r.GetFieldValue<string[]>(14),
        Fidelity: r.IsDBNull(15) ? null : r.GetString(15),
        ErrorJson: r.IsDBNull(16) ? null : r.GetString(16),
        Transient: r.GetBoolean(17),
        CreatedAt: r.GetFieldValue<DateTimeOffset>(18),
        ReadyAt: r.IsDBNull(19) ? null : r.GetFieldValue<DateTimeOffset>(19),
        Instruction: r.IsDBNull(20) ? null : r.GetString(20),
        Model: r.IsDBNull(21) ? null : r.GetString(21),
        DesignId: r.IsDBNull(22) ? null : r.GetGuid(22),
        Variant: r.IsDBNull(23) ? null : r.GetInt32(23),
        PreviewTaskId: r.IsDBNull(24) ? null : r.GetGuid(24));
}
