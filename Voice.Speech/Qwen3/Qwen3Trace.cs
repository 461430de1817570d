namespace Voice.Speech.Qwen3;

/// <summary>What the engine did for one request: each generation's prompt and end, every frame's codes, the streamed audio.</summary>
public sealed class Qwen3Trace
{
    public List<PromptEmbeddings> Prompts { get; } = [];

    /// <summary>The frames of every generation in order, [Q] codes each.</summary>
    public List<long[]> Frames { get; } = [];

    public List<StopReason> Stops { get; } = [];

    public List<float> Audio { get; } = [];
}
