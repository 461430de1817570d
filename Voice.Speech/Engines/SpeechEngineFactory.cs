using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Voice.Speech.Espeak;
using Voice.Speech.Qwen3;

namespace Voice.Speech.Engines;

/// <summary>Creates the configured engine (<see cref="SpeechEngines"/> names them); only the worker runs engines.</summary>
public static class SpeechEngineFactory
{
    public static ISpeechEngine Create(SpeechOptions options, ILoggerFactory? loggers = null) => options.Engine switch
    {
        SpeechEngines.Espeak => new EspeakEngine(),
        SpeechEngines.Null => new NullEngine(),
        SpeechEngines.Qwen3 => new Qwen3Engine(Qwen3Options(options), (loggers ?? NullLoggerFactory.Instance).CreateLogger<Qwen3Engine>()),
        _ => throw SpeechEngines.Unknown(options.Engine),
    };

    private static Qwen3EngineOptions Qwen3Options(SpeechOptions options)
    {
        string? directory = options.ModelDirectory ?? Environment.GetEnvironmentVariable("VOICE_MODEL_DIR");
        if (string.IsNullOrWhiteSpace(directory))
        {
            throw new Qwen3ModelException("The qwen3-onnx engine needs its model directory: set Speech:ModelDirectory or VOICE_MODEL_DIR.");
        }
        return new Qwen3EngineOptions(directory, new OnnxProviderOptions(options.Provider, options.DeviceId, options.GpuMemoryLimitMb * 1024 * 1024), options.Seed);
    }
}
