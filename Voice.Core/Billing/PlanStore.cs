using Npgsql;
using NpgsqlTypes;
using Voice.Core.Database;

namespace Voice.Core.Billing;

/// <summary>The operator's edits to plans (through <c>voice_admin</c>); every change is announced to all replicas.</summary>
public sealed class PlanStore(AdminDatabase database, PlanCatalog catalog)
{
    public async Task<IReadOnlyList<PlanLimits>> ListAsync(CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand($"select {PlanLimits.Columns} from plans order by queue_weight, id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var plans = new List<PlanLimits>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            plans.Add(PlanLimits.Read(reader));
        }
        return plans;
    }

    public async Task<PlanLimits?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand($"select {PlanLimits.Columns} from plans where id = $1");
        command.Parameters.Add(new() { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? PlanLimits.Read(reader) : null;
    }

    /// <summary>Creates the plan, or replaces every field of an existing one; false when <paramref name="create"/> meets an existing id.</summary>
    public async Task<PlanLimits?> SaveAsync(PlanLimits plan, bool create, CancellationToken cancellationToken)
    {
        string sql = create
            ? $"insert into plans ({PlanLimits.Columns}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21) on conflict (id) do nothing returning {PlanLimits.Columns}"
            : $"""
               update plans set name = $2, queue_weight = $3, max_voices = $4, max_text_chars = $5, rate_per_second = $6, rate_burst = $7,
                   key_rate_per_second = $8, key_rate_burst = $9, monthly_characters = $10, monthly_audio_seconds = $11, max_concurrent_jobs = $12,
                   max_upload_bytes = $13, allowed_engines = $14, allowed_modes = $15, allowed_formats = $16, retention_days = $17,
                   price_per_1k_characters = $18, price_per_audio_minute = $19, price_per_voice = $20, currency = $21
               where id = $1 returning {PlanLimits.Columns}
               """;
        await using var command = database.DataSource.CreateCommand(sql);
        command.Parameters.Add(new() { Value = plan.Id });
        command.Parameters.Add(new() { Value = plan.Name });
        command.Parameters.Add(new() { Value = plan.QueueWeight });
        command.Parameters.Add(new() { Value = plan.MaxVoices });
        command.Parameters.Add(new() { Value = plan.MaxTextChars });
        command.Parameters.Add(new() { Value = (float)plan.RatePerSecond });
        command.Parameters.Add(new() { Value = plan.RateBurst });
        command.Parameters.Add(new() { Value = (float)plan.KeyRatePerSecond });
        command.Parameters.Add(new() { Value = plan.KeyRateBurst });
        command.Parameters.Add(new() { Value = (object?)plan.MonthlyCharacters ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new() { Value = (object?)plan.MonthlyAudioSeconds ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new() { Value = plan.MaxConcurrentJobs });
        command.Parameters.Add(new() { Value = plan.MaxUploadBytes });
        command.Parameters.Add(new() { Value = plan.AllowedEngines.ToArray() });
        command.Parameters.Add(new() { Value = plan.AllowedModes.ToArray() });
        command.Parameters.Add(new() { Value = plan.AllowedFormats.ToArray() });
        command.Parameters.Add(new() { Value = plan.RetentionDays });
        command.Parameters.Add(new() { Value = plan.PricePer1kCharacters });
        command.Parameters.Add(new() { Value = plan.PricePerAudioMinute });
        command.Parameters.Add(new() { Value = plan.PricePerVoice });
        command.Parameters.Add(new() { Value = plan.Currency });
        PlanLimits? saved;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            saved = await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? PlanLimits.Read(reader) : null;
        }
        if (saved is not null)
        {
            await catalog.PublishChangeAsync().ConfigureAwait(false);
        }
        return saved;
    }
}
