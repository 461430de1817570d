using Voice.Speech.Espeak;

namespace Voice.Speech.Engines;

/// <summary>What the API needs to know of an engine without running it: its capabilities and its text check.</summary>
public sealed record SpeechEngineDescriptor(string Name, SpeechEngineCapabilities Capabilities, Func<string, string, TextCheck> CheckText);

/// <summary>
/// The engines, by the name configured as <c>Speech:Engine</c> (the same on the API and the workers). The
/// worker creates the engine; the API only describes it, so it never loads native libraries or models.
/// </summary>
public static class SpeechEngines
{
    public const string ConfigurationKey = "Speech:Engine";
    public const string Default = EspeakEngine.EngineName;

    public static IReadOnlyList<string> Names { get; } = [EspeakEngine.EngineName, NullEngine.EngineName];

    public static SpeechEngineDescriptor Describe(string name) => name switch
    {
        EspeakEngine.EngineName => new(name, EspeakEngine.StaticCapabilities, EspeakEngine.CheckText),
        NullEngine.EngineName => new(name, NullEngine.StaticCapabilities, (_, _) => TextCheck.Fine),
        _ => throw Unknown(name),
    };

    public static ISpeechEngine Create(string name) => name switch
    {
        EspeakEngine.EngineName => new EspeakEngine(),
        NullEngine.EngineName => new NullEngine(),
        _ => throw Unknown(name),
    };

    private static InvalidOperationException Unknown(string name) =>
        new($"Unknown speech engine '{name}' ({ConfigurationKey}). Known: {string.Join(", ", Names)}.");
}
