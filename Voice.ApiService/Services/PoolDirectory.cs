using Voice.Core.Pools;
using Voice.Speech.Engines;

namespace Voice.ApiService.Services;

/// <summary>
/// What the running pools can do, for validating requests without a Redis call each: refreshed every two seconds
/// from the announcements of pools live within the last ten minutes (a pool that is restarting still serves: its
/// jobs wait for it). Until a pool has announced, or when Redis cannot answer, requests are checked against the
/// configured engine, as before pools existed.
/// </summary>
public sealed partial class PoolDirectory(PoolRegistry registry, ILogger<PoolDirectory> logger) : BackgroundService
{
    public static readonly TimeSpan Recent = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(2);

    private volatile IReadOnlySet<VoiceMode>? _modes;
    private volatile IReadOnlySet<string> _names = new HashSet<string>();

    /// <summary>The voice modes some recent pool serves; null when no pool is known (fall back to the configured engine).</summary>
    public IReadOnlySet<VoiceMode>? Modes => _modes;

    /// <summary>The recent pools' names (models a request may name).</summary>
    public IReadOnlySet<string> Names => _names;

    public async Task RefreshAsync()
    {
        var pools = await registry.LiveAsync(Recent);
        _names = pools.Select(p => p.Pool.Name).ToHashSet(StringComparer.Ordinal);
        _modes = pools.Count == 0 ? null : pools
            .SelectMany(p => p.Pool.Modes)
            .Select(m => Enum.TryParse<VoiceMode>(m, ignoreCase: true, out var mode) ? (VoiceMode?)mode : null)
            .OfType<VoiceMode>()
            .ToHashSet();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Refresh);
        do
        {
            try
            {
                await RefreshAsync();
            }
            catch (Exception ex) when (ex is not OperationCanceledException) // Redis away, or an announcement it cannot read
            {
                LogRefreshFailed(logger, ex); // keep the last view
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the live pools; keeping the last view")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
