using Voice.Core.Database;

namespace Voice.Core.Billing;

/// <summary>What a plan allows: its queue weight (consecutive picks per round-robin turn), voices, and text per request.</summary>
public sealed record PlanLimits(string Id, int QueueWeight, int MaxVoices, int MaxTextChars)
{
    /// <summary>What an unknown plan gets: the smallest allowances.</summary>
    public static PlanLimits Fallback(string id) => new(id, 1, 3, 5_000);
}

/// <summary>
/// The plans table, cached in memory for <see cref="RefreshInterval"/> (plans change rarely; an edit shows
/// within that time on every replica).
/// </summary>
public sealed class PlanCatalog(TenantDatabase database, TimeProvider clock)
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim _refresh = new(1, 1);
    private (IReadOnlyDictionary<string, PlanLimits> Plans, DateTimeOffset Until) _cache = (new Dictionary<string, PlanLimits>(), DateTimeOffset.MinValue);

    /// <summary>The plan's queue weight; 1 for an unknown plan.</summary>
    public async Task<int> QueueWeightAsync(string plan, CancellationToken cancellationToken) =>
        (await GetAsync(plan, cancellationToken).ConfigureAwait(false)).QueueWeight;

    public async Task<PlanLimits> GetAsync(string plan, CancellationToken cancellationToken)
    {
        var cache = _cache;
        if (cache.Until <= clock.GetUtcNow())
        {
            await _refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (_cache.Until <= clock.GetUtcNow())
                {
                    var plans = await database.WithoutTenantAsync(async connection =>
                    {
                        await using var command = new Npgsql.NpgsqlCommand("select id, queue_weight, max_voices, max_text_chars from plans", connection);
                        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                        var map = new Dictionary<string, PlanLimits>(StringComparer.Ordinal);
                        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        {
                            map[reader.GetString(0)] = new PlanLimits(reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3));
                        }
                        return map;
                    }, cancellationToken).ConfigureAwait(false);
                    _cache = (plans, clock.GetUtcNow() + RefreshInterval);
                }
                cache = _cache;
            }
            finally
            {
                _refresh.Release();
            }
        }
        return cache.Plans.GetValueOrDefault(plan) ?? PlanLimits.Fallback(plan);
    }
}
