namespace Voice.Speech.Engines;

/// <summary>What the API needs to know of an engine without running it: its capabilities and its text check.</summary>
public sealed record SpeechEngineDescriptor(string Name, SpeechEngineCapabilities Capabilities, Func<string, string, TextCheck> CheckText);

/// <summary>
/// The engines, by the name configured as <c>Speech:Engine</c> (the same on the API and the workers). The
/// worker creates the engine (<c>SpeechEngineFactory</c> in Voice.Speech); the API only describes it, so it never
/// loads native libraries or models.
/// </summary>
public static class SpeechEngines
{
    public const string Espeak = "espeak";
    public const string Null = "null";
    public const string Qwen3 = "qwen3-onnx";
    public const string Default = Espeak;

    public static IReadOnlyList<string> Names { get; } = [Espeak, Null, Qwen3];

    public static SpeechEngineDescriptor Describe(string name) => name switch
    {
        Espeak => new(name, EspeakDescription.Capabilities, EspeakDescription.CheckText),
        Null => new(name, NullDescription.Capabilities, (_, _) => TextCheck.Fine),
        Qwen3 => new(name, Qwen3Description.Capabilities, (_, _) => TextCheck.Fine),
        _ => throw Unknown(name),
    };

    public static InvalidOperationException Unknown(string name) =>
        new($"Unknown speech engine '{name}' (Speech:Engine). Known: {string.Join(", ", Names)}.");
}
