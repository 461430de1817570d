using Npgsql;
using Voice.Core.Database;

namespace Voice.Core.Billing;

/// <summary>One bucket of a usage series.</summary>
public sealed record UsageBucket(DateTimeOffset Start, long Jobs, long Characters, double AudioSeconds, long Voices, decimal Cost, string Currency);

/// <summary>One stored usage record (for exports).</summary>
public sealed record UsageRecord(
    long Id, DateTimeOffset RecordedAt, string Kind, Guid? JobId, Guid? VoiceId, long Characters, double AudioSeconds, string Engine,
    int ComputeMs, string? Plan, decimal PricePer1kCharacters, decimal PricePerAudioMinute, decimal PricePerVoice, decimal Cost, string Currency);

/// <summary>An invoice line: a quantity at one unit price (a plan change mid-period makes separate lines).</summary>
public sealed record InvoiceLine(string Item, string? Plan, decimal Quantity, string Unit, decimal UnitPrice, decimal Amount);

public sealed record Invoice(string Period, DateTimeOffset From, DateTimeOffset To, string Currency, IReadOnlyList<InvoiceLine> Lines, decimal Total, decimal AmountDue);

/// <summary>Where the month stands against the plan: settled use, what open jobs have reserved, open jobs.</summary>
public sealed record QuotaStatus(
    DateOnly Period, long UsedCharacters, long ReservedCharacters, long? MonthlyCharacters, double UsedAudioSeconds, double ReservedAudioSeconds,
    long? MonthlyAudioSeconds, int ActiveJobs, int MaxConcurrentJobs, DateTimeOffset ResetsAt);

/// <summary>
/// Reads usage records (written exactly once per completed job and per created voice, with the prices of the
/// moment) as series, invoices and exports, inside the tenant's row-level-security scope.
/// </summary>
public sealed class UsageReports(TenantDatabase database)
{
    public Task<IReadOnlyList<UsageBucket>> SeriesAsync(Guid tenantId, DateTimeOffset from, DateTimeOffset to, string granularity, CancellationToken cancellationToken) =>
        database.InTenantAsync<IReadOnlyList<UsageBucket>>(tenantId, async connection =>
        {
            string unit = granularity == "month" ? "month" : "day";
            await using var command = new NpgsqlCommand($"""
                select date_trunc('{unit}', recorded_at at time zone 'UTC') at time zone 'UTC',
                       count(*) filter (where kind = 'speech'), coalesce(sum(characters), 0), coalesce(sum(audio_seconds), 0),
                       count(*) filter (where kind = 'voice'), coalesce(sum(cost), 0), coalesce(min(currency), 'USD')
                from usage_records where recorded_at >= $1 and recorded_at < $2
                group by 1 order by 1
                """, connection);
            command.Parameters.Add(new() { Value = from });
            command.Parameters.Add(new() { Value = to });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var buckets = new List<UsageBucket>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                buckets.Add(new UsageBucket(reader.GetFieldValue<DateTimeOffset>(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetDouble(3),
                    reader.GetInt64(4), reader.GetDecimal(5), reader.GetString(6)));
            }
            return buckets;
        }, cancellationToken);

    /// <summary>Records over [from, to) with an id above <paramref name="afterId"/>, oldest first, at most <paramref name="limit"/>.</summary>
    public Task<IReadOnlyList<UsageRecord>> RecordsAsync(Guid tenantId, DateTimeOffset from, DateTimeOffset to, long afterId, int limit, CancellationToken cancellationToken) =>
        database.InTenantAsync<IReadOnlyList<UsageRecord>>(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand("""
                select id, recorded_at, kind, job_id, voice_id, characters, audio_seconds, engine, compute_ms, plan,
                       price_per_1k_characters, price_per_audio_minute, price_per_voice, cost, currency
                from usage_records where recorded_at >= $1 and recorded_at < $2 and id > $3 order by id limit $4
                """, connection);
            command.Parameters.Add(new() { Value = from });
            command.Parameters.Add(new() { Value = to });
            command.Parameters.Add(new() { Value = afterId });
            command.Parameters.Add(new() { Value = limit });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var records = new List<UsageRecord>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                records.Add(new UsageRecord(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetGuid(3), reader.IsDBNull(4) ? null : reader.GetGuid(4), reader.GetInt32(5), reader.GetDouble(6),
                    reader.GetString(7), reader.GetInt32(8), reader.IsDBNull(9) ? null : reader.GetString(9), reader.GetDecimal(10), reader.GetDecimal(11),
                    reader.GetDecimal(12), reader.GetDecimal(13), reader.GetString(14)));
            }
            return records;
        }, cancellationToken);

    /// <summary>
    /// The invoice for a calendar month (UTC): one line per item and unit price, amounts exact to 6 decimals,
    /// the total their sum and the amount due rounded to cents.
    /// </summary>
    public Task<Invoice> InvoiceAsync(Guid tenantId, int year, int month, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            var from = new DateTimeOffset(year, month, 1, 0, 0, 0, TimeSpan.Zero);
            var to = from.AddMonths(1);
            await using var command = new NpgsqlCommand("""
                select 'speech characters' as item, plan, sum(characters)::numeric / 1000 as quantity, '1,000 characters' as unit,
                       price_per_1k_characters as price, currency
                from usage_records where kind = 'speech' and recorded_at >= $1 and recorded_at < $2 group by plan, price_per_1k_characters, currency
                union all
                select 'audio minutes', plan, sum(audio_seconds)::numeric / 60, 'minute', price_per_audio_minute, currency
                from usage_records where kind = 'speech' and recorded_at >= $1 and recorded_at < $2 group by plan, price_per_audio_minute, currency
                union all
                select 'voice profiles', plan, count(*)::numeric, 'voice', price_per_voice, currency
                from usage_records where kind = 'voice' and recorded_at >= $1 and recorded_at < $2 group by plan, price_per_voice, currency
                order by 1, 2
                """, connection);
            command.Parameters.Add(new() { Value = from });
            command.Parameters.Add(new() { Value = to });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var lines = new List<InvoiceLine>();
            string currency = "USD";
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                decimal quantity = Math.Round(reader.GetDecimal(2), 6);
                decimal price = reader.GetDecimal(4);
                lines.Add(new InvoiceLine(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), quantity, reader.GetString(3), price,
                    Math.Round(quantity * price, 6, MidpointRounding.AwayFromZero)));
                currency = reader.GetString(5);
            }
            decimal total = lines.Sum(l => l.Amount);
            return new Invoice($"{year:D4}-{month:D2}", from, to, currency, lines, total, Math.Round(total, 2, MidpointRounding.AwayFromZero));
        }, cancellationToken);

    public Task<QuotaStatus> QuotaAsync(Guid tenantId, PlanLimits plan, DateOnly period, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand("""
                select coalesce(q.used_chars, 0), o.chars, coalesce(q.used_audio_ms, 0), o.audio, o.open::int
                from (select count(*) as open,
                             coalesce(sum(reserved_chars) filter (where quota_period = $1), 0) as chars,
                             coalesce(sum(reserved_audio_ms) filter (where quota_period = $1), 0)::bigint as audio
                      from jobs where tenant_id = $2 and status in ('queued', 'running')) o
                left join quota_periods q on q.tenant_id = $2 and q.period = $1
                """, connection);
            command.Parameters.Add(new() { Value = period });
            command.Parameters.Add(new() { Value = tenantId });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var start = new DateTimeOffset(period.Year, period.Month, 1, 0, 0, 0, TimeSpan.Zero);
            return new QuotaStatus(period, reader.GetInt64(0), reader.GetInt64(1), plan.MonthlyCharacters, reader.GetInt64(2) / 1000.0,
                reader.GetInt64(3) / 1000.0, plan.MonthlyAudioSeconds, reader.GetInt32(4), plan.MaxConcurrentJobs, start.AddMonths(1));
        }, cancellationToken);
}
