using System.Diagnostics;
using Voice.Core.Pools;
using Voice.Speech.Engines;

namespace Voice.ApiService.Pools;

/// <summary>
/// The pools requests are routed to and validated against, without a Redis call each: refreshed every two seconds
/// from the announcements of pools live within the last ten minutes (a pool that is restarting still serves: its
/// jobs wait for it), and of pools Redis forgot in a restart (they stay, restarting, until their workers announce
/// again). Until a pool has announced, the configured engine stands in as the one pool (named after it, as a worker
/// without <c>Worker:Pool</c> is), as before pools existed.
/// </summary>
public sealed partial class PoolDirectory(PoolRegistry registry, SpeechEngineDescriptor engine, ILogger<PoolDirectory> logger) : BackgroundService
{
    public static readonly TimeSpan Recent = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(2);

    private volatile IReadOnlyList<LivePool>? _pools;

    /// <summary>The recent pools, by name; the configured engine's stand-in when none has announced.</summary>
    public IReadOnlyList<LivePool> Pools => _pools is { Count: > 0 } pools ? pools : [Configured];

    /// <summary>The configured engine as a pool, for a deployment where no worker has announced yet.</summary>
    private LivePool Configured { get; } = new(Describe(engine), 0);

    public async Task RefreshAsync()
    {
        // Descriptions first: a worker announcing between the two reads then looks live (kept). The other order could
        // see its description without its liveness — a pool that stopped — and drop a pool that was just coming back.
        var described = await registry.DescribedAsync();
        var live = await registry.LiveAsync(Recent);
        long now = Stopwatch.GetTimestamp();
        foreach (var pool in live)
        {
            _seen[pool.Pool.Name] = (pool, now);
        }
        // A pool that scales to zero stays while Redis describes it: its jobs queue, and their backlog wakes it.
        foreach (var (name, pool) in described)
        {
            if (pool.ScalesToZero && !live.Any(p => p.Pool.Name == name))
            {
                _seen[name] = (new LivePool(pool, 0), now);
            }
        }
        // A pool Redis no longer describes at all was lost with its data (a restart), not stopped: it stays, restarting,
        // for the rest of its ten minutes while its workers announce again. One Redis still describes is really gone.
        foreach (var (name, (pool, at)) in _seen.ToList())
        {
            if (live.Any(p => p.Pool.Name == name))
            {
                continue;
            }
            if (described.TryGetValue(name, out var description) && !description.ScalesToZero || Stopwatch.GetElapsedTime(at) > Recent)
            {
                _seen.Remove(name);
            }
        }
        _pools = [.. _seen.Values.Select(v => live.FirstOrDefault(p => p.Pool.Name == v.Pool.Pool.Name) ?? v.Pool with { Workers = 0 })
            .OrderBy(p => p.Pool.Name, StringComparer.Ordinal)];
    }

    /// <summary>The pools last seen, and when (only the refresh loop touches it).</summary>
    private readonly Dictionary<string, (LivePool Pool, long At)> _seen = new(StringComparer.Ordinal);

    /// <summary>A pool's engine as the API's validation needs it: the engine's own text check and notes, the pool's announced capabilities.</summary>
    public static SpeechEngineDescriptor DescriptorOf(PoolAnnouncement pool)
    {
        var known = SpeechEngines.Names.Contains(pool.Engine) ? SpeechEngines.Describe(pool.Engine) : null;
        var capabilities = (known?.Capabilities ?? SpeechEngines.Describe(SpeechEngines.Null).Capabilities) with
        {
            Modes = [.. pool.Modes.Select(m => Enum.TryParse<VoiceMode>(m, ignoreCase: true, out var mode) ? (VoiceMode?)mode : null).OfType<VoiceMode>()],
            Languages = pool.Languages,
            SampleRate = pool.SampleRate,
            MaxBatchSize = pool.MaxBatchSize,
            Streaming = pool.Streaming,
            WordTimestamps = pool.WordTimestamps,
            RequiresGpu = pool.RequiresGpu,
        };
        if (pool.MaxTextLength > 0)
        {
            capabilities = capabilities with { MaxTextLength = pool.MaxTextLength, Fidelity = pool.Fidelity, SpeedControl = pool.SpeedControl };
        }
        return new SpeechEngineDescriptor(pool.Engine, capabilities, known?.CheckText ?? ((_, _) => TextCheck.Fine));
    }

    private static PoolAnnouncement Describe(SpeechEngineDescriptor engine)
    {
        var c = engine.Capabilities;
        return new PoolAnnouncement(engine.Name, engine.Name, engine.Name, [.. c.Modes.Select(m => m.ToString().ToLowerInvariant())], c.Languages,
            c.SampleRate, c.MaxBatchSize, c.Streaming, c.WordTimestamps, c.RequiresGpu, c.MaxTextLength, c.Fidelity, c.SpeedControl);
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
