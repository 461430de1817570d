using System.Text.Json.Serialization;

namespace Voice.Core.Pools;

/// <summary>
/// What a pool (the workers serving one engine and model under one name) says about itself while alive: taken from
/// the loaded engine, so the API describes and routes to what is running, not what was configured.
/// <see cref="ScalesToZero"/>: the pool's autoscaler may take it to no workers (<c>Worker:ScalesToZero</c>), so its
/// last worker leaving is not its end, and the API keeps routing its jobs to the queue that wakes it.
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
    bool RequiresGpu,
    int MaxTextLength = 0,
    string Fidelity = "",
    bool SpeedControl = true,
    bool ScalesToZero = false)
{
    /// <summary>
    /// What a voice prompt made by this pool is valid for: the same engine and model. A profile prepared under another
    /// format is prepared again before this pool speaks it.
    /// </summary>
    [JsonIgnore]
    public string PromptFormat => PromptFormats.Of(Engine, Model);
}

/// <summary>A pool the API knows of: its announcement and how many workers serve it now (0: it went away recently).</summary>
public sealed record LivePool(PoolAnnouncement Pool, int Workers);

public static class PromptFormats
{
    public static string Of(string engine, string model) => $"{engine}/{model}";
}
