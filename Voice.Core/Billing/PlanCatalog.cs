using Voice.Core.Database;

namespace Voice.Core.Billing;

/// <summary>
/// The plans table, cached in memory for <see cref="RefreshInterval"/> (plans change rarely; an edit shows
/// within that time on every replica).
/// </summary>
public sealed class PlanCatalog(TenantDatabase database, TimeProvider clock)
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim _refresh = new(1, 1);
    private (IReadOnlyDictionary<string, int> Weights, DateTimeOffset Until) _cache = (new Dictionary<string, int>(), DateTimeOffset.MinValue);

    /// <summary>The plan's queue weight (consecutive picks per round-robin turn); 1 for an unknown plan.</summary>
    public async Task<int> QueueWeightAsync(string plan, CancellationToken cancellationToken)
    {
        var cache = _cache;
        if (cache.Until <= clock.GetUtcNow())
        {
            await _refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (_cache.Until <= clock.GetUtcNow())
                {
                    var weights = await database.WithoutTenantAsync(async connection =>
                    {
                        await using var command = new Npgsql.NpgsqlCommand("select id, queue_weight from plans", connection);
                        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                        var map = new Dictionary<string, int>(StringComparer.Ordinal);
                        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        {
                            map[reader.GetString(0)] = reader.GetInt32(1);
                        }
                        return map;
                    }, cancellationToken).ConfigureAwait(false);
                    _cache = (weights, clock.GetUtcNow() + RefreshInterval);
                }
                cache = _cache;
            }
            finally
            {
                _refresh.Release();
            }
        }
        return cache.Weights.GetValueOrDefault(plan, 1);
    }
}
