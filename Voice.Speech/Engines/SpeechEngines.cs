using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Voice.Speech.Espeak;
using Voice.Speech.Qwen3;

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

    public static IReadOnlyList<string> Names { get; } = [EspeakEngine.EngineName, NullEngine.EngineName, Qwen3Engine.EngineName];

    public static SpeechEngineDescriptor Describe(string name) => name switch
    {
        EspeakEngine.EngineName => new(name, EspeakEngine.StaticCapabilities, EspeakEngine.CheckText),
        NullEngine.EngineName => new(name, NullEngine.StaticCapabilities, (_, _) => TextCheck.Fine),
        Qwen3Engine.EngineName => new(name, Qwen3Engine.StaticCapabilities, (_, _) => TextCheck.Fine),
        _ => throw Unknown(name),
    };

    /// <summary>
    /// Creates the configured engine. <c>qwen3-onnx</c> reads <c>Speech:ModelDirectory</c> (or <c>VOICE_MODEL_DIR</c>),
    /// <c>Speech:Provider</c> (auto, cuda, cpu), <c>Speech:DeviceId</c>, <c>Speech:GpuMemoryLimitMb</c> and <c>Speech:Seed</c>.
    /// </summary>
    public static ISpeechEngine Create(string name, IConfiguration? configuration = null, ILoggerFactory? loggers = null) => name switch
    {
        EspeakEngine.EngineName => new EspeakEngine(),
        NullEngine.EngineName => new NullEngine(),
        Qwen3Engine.EngineName => new Qwen3Engine(Qwen3Options(configuration), (loggers ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger<Qwen3Engine>()),
        _ => throw Unknown(name),
    };

    private static Qwen3EngineOptions Qwen3Options(IConfiguration? configuration)
    {
        string? directory = configuration?["Speech:ModelDirectory"] ?? configuration?["VOICE_MODEL_DIR"] ?? Environment.GetEnvironmentVariable("VOICE_MODEL_DIR");
        if (string.IsNullOrWhiteSpace(directory))
        {
            throw new Qwen3ModelException("The qwen3-onnx engine needs its model directory: set Speech:ModelDirectory or VOICE_MODEL_DIR.");
        }
        long? limitMb = long.TryParse(configuration?["Speech:GpuMemoryLimitMb"], out long mb) ? mb : null;
        return new Qwen3EngineOptions(directory, new OnnxProviderOptions(
            configuration?["Speech:Provider"] ?? "auto",
            int.TryParse(configuration?["Speech:DeviceId"], out int device) ? device : 0,
            limitMb * 1024 * 1024),
            int.TryParse(configuration?["Speech:Seed"], out int seed) ? seed : null);
    }

    private static InvalidOperationException Unknown(string name) =>
        new($"Unknown speech engine '{name}' ({ConfigurationKey}). Known: {string.Join(", ", Names)}.");
}
