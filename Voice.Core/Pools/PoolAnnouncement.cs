namespace Voice.Core.Pools;

/// <summary>
/// What a pool (the workers serving one engine and model under one name) says about itself while alive: taken from
/// the loaded engine, so the API describes what is running, not what was configured.
/// </summary>
public sealed record PoolAnnouncement(
    string Name,
    string Engine,
    string Model,
    IReadOnlyList<string> Modes,
    IReadOnlyList<string> Languages,
    int SampleRate,
    int MaxBatchSize,
    bool Streaming,
    bool WordTimestamps,
    bool RequiresGpu);

/// <summary>A live pool: its announcement and how many workers are serving it now.</summary>
public sealed record LivePool(PoolAnnouncement Pool, int Workers);
