using Npgsql;
using StackExchange.Redis;
using Voice.Core.Database;

namespace Voice.Core.Billing;

/// <summary>
/// What a plan allows and costs. Null monthly quotas are unlimited; empty allow-lists allow everything.
/// </summary>
public sealed record PlanLimits(
    string Id,
    string Name,
    int QueueWeight,
    int MaxVoices,
    int MaxTextChars,
    double RatePerSecond,
    int RateBurst,
    double KeyRatePerSecond,
    int KeyRateBurst,
    long? MonthlyCharacters,
    long? MonthlyAudioSeconds,
    int MaxConcurrentJobs,
    int MaxUploadBytes,
    IReadOnlyList<string> AllowedEngines,
    IReadOnlyList<string> AllowedModes,
    IReadOnlyList<string> AllowedFormats,
    int RetentionDays,
    decimal PricePer1kCharacters,
    decimal PricePerAudioMinute,
    decimal PricePerVoice,
    string Currency)
{
    /// <summary>What an unknown plan gets: the smallest allowances.</summary>
    public static PlanLimits Fallback(string id) => new(id, id, 1, 3, 5_000, 1, 5, 1, 5, 10_000, 900, 1, 5 * 1024 * 1024, [], [], [], 7, 0, 0, 0, "USD");

    public bool Allows(IReadOnlyList<string> list, string value) => list.Count == 0 || list.Contains(value, StringComparer.Ordinal);

    public const string Columns = """
        id, name, queue_weight, max_voices, max_text_chars, rate_per_second, rate_burst, key_rate_per_second, key_rate_burst,
        monthly_characters, monthly_audio_seconds, max_concurrent_jobs, max_upload_bytes, allowed_engines, allowed_modes, allowed_formats,
        retention_days, price_per_1k_characters, price_per_audio_minute, price_per_voice, currency
        """;

    public static PlanLimits Read(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetInt32(3), r.GetInt32(4), r.GetFloat(5), r.GetInt32(6), r.GetFloat(7), r.GetInt32(8),
        r.IsDBNull(9) ? null : r.GetInt64(9), r.IsDBNull(10) ? null : r.GetInt64(10), r.GetInt32(11), r.GetInt32(12),
        r.GetFieldValue<string[]>(13), r.GetFieldValue<string[]>(14), r.GetFieldValue<string[]>(15),
        r.GetInt32(16), r.GetDecimal(17), r.GetDecimal(18), r.GetDecimal(19), r.GetString(20));
}

/// <summary>
/// The plans table, cached in memory. An operator's edit publishes on <see cref="ChangedChannel"/> and every
/// replica drops its cache at once; <see cref="RefreshInterval"/> bounds staleness should a message be lost.
/// </summary>
public sealed class PlanCatalog(TenantDatabase database, IConnectionMultiplexer redis, TimeProvider clock)
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(30);
    public static readonly RedisChannel ChangedChannel = RedisChannel.Literal("{voice}:plans:changed");

    private readonly SemaphoreSlim _refresh = new(1, 1);
    private (IReadOnlyDictionary<string, PlanLimits> Plans, DateTimeOffset Until) _cache = (new Dictionary<string, PlanLimits>(), DateTimeOffset.MinValue);
    private int _subscribed;

    /// <summary>The plan's queue weight; 1 for an unknown plan.</summary>
    public async Task<int> QueueWeightAsync(string plan, CancellationToken cancellationToken) =>
        (await GetAsync(plan, cancellationToken).ConfigureAwait(false)).QueueWeight;

    public async Task<PlanLimits> GetAsync(string plan, CancellationToken cancellationToken) =>
        (await AllAsync(cancellationToken).ConfigureAwait(false)).GetValueOrDefault(plan) ?? PlanLimits.Fallback(plan);

    public async Task<IReadOnlyDictionary<string, PlanLimits>> AllAsync(CancellationToken cancellationToken)
    {
        await SubscribeOnceAsync().ConfigureAwait(false);
        var cache = _cache;
        if (cache.Until > clock.GetUtcNow())
        {
            return cache.Plans;
        }
        await _refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_cache.Until <= clock.GetUtcNow())
            {
                var plans = await database.WithoutTenantAsync(async connection =>
                {
                    await using var command = new NpgsqlCommand($"select {PlanLimits.Columns} from plans", connection);
                    await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    var map = new Dictionary<string, PlanLimits>(StringComparer.Ordinal);
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        var limits = PlanLimits.Read(reader);
                        map[limits.Id] = limits;
                    }
                    return map;
                }, cancellationToken).ConfigureAwait(false);
                _cache = (plans, clock.GetUtcNow() + RefreshInterval);
            }
            return _cache.Plans;
        }
        finally
        {
            _refresh.Release();
        }
    }

    /// <summary>Tells every replica (this one included) that plans changed.</summary>
    public async Task PublishChangeAsync()
    {
        Invalidate();
        await redis.GetSubscriber().PublishAsync(ChangedChannel, "changed").ConfigureAwait(false);
    }

    public void Invalidate() => _cache = (_cache.Plans, DateTimeOffset.MinValue);

    private async Task SubscribeOnceAsync()
    {
        if (Interlocked.Exchange(ref _subscribed, 1) == 0)
        {
            await redis.GetSubscriber().SubscribeAsync(ChangedChannel, (_, _) => Invalidate()).ConfigureAwait(false);
        }
    }
}
