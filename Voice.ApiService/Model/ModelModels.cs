namespace Voice.ApiService.Model;

/// <summary>A live pool as a model a request can name: what it can do and how many workers serve it now.</summary>
public sealed record ModelView(
    string Id,
    string Engine,
    string Model,
    IReadOnlyList<string> Modes,
    IReadOnlyList<string> Languages,
    int SampleRate,
    int MaxBatchSize,
    bool Streaming,
    bool WordTimestamps,
    bool Gpu,
    int Workers);

public sealed record ModelList(IReadOnlyList<ModelView> Models);
