using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;

namespace Voice.Speech.Qwen3;

/// <summary>Where the graphs run: <c>auto</c> (CUDA when it loads, else CPU with a warning), <c>cuda</c> (or fail) or <c>cpu</c>.</summary>
public sealed record OnnxProviderOptions(
    string Provider = "auto",
    int DeviceId = 0,
    long? GpuMemoryLimitBytes = null,
    GraphOptimizationLevel Optimization = GraphOptimizationLevel.ORT_ENABLE_ALL,
    int IntraOpThreads = 0);

/// <summary>
/// Builds session options for the chosen execution provider. ONNX Runtime has no automatic fallback and its list of
/// available providers names CUDA even when CUDA cannot load, so CUDA is detected by appending it and catching the
/// failure: <see cref="OnnxRuntimeException"/> with the GPU package and no CUDA 13/cuDNN 9, or
/// <see cref="EntryPointNotFoundException"/> with the CPU package.
/// </summary>
public static partial class OnnxProvider
{
    public const string Cuda = "cuda";
    public const string Cpu = "cpu";

    public static (SessionOptions Options, string Provider) Create(OnnxProviderOptions options, ILogger logger)
    {
        if (options.Provider is not ("auto" or Cuda or Cpu))
        {
            throw new Qwen3ModelException($"Unknown execution provider '{options.Provider}': auto, cuda or cpu.");
        }
        if (options.Provider != Cpu)
        {
            var cuda = Base(options);
            try
            {
                using var provider = new OrtCUDAProviderOptions();
                var settings = new Dictionary<string, string> { ["device_id"] = options.DeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture) };
                if (options.GpuMemoryLimitBytes is { } limit)
                {
                    settings["gpu_mem_limit"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    settings["arena_extend_strategy"] = "kSameAsRequested";
                }
                provider.UpdateOptions(settings);
                cuda.AppendExecutionProvider_CUDA(provider);
                return (cuda, Cuda);
            }
            catch (Exception ex) when (ex is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
            {
                cuda.Dispose();
                if (options.Provider == Cuda)
                {
                    throw new Qwen3ModelException($"The CUDA execution provider could not load on device {options.DeviceId}: {ex.Message}", ex);
                }
                LogCpuFallback(logger, ex.GetType().Name, ex.Message);
            }
        }
        return (Base(options), Cpu);
    }

    private static SessionOptions Base(OnnxProviderOptions options)
    {
        var session = new SessionOptions { GraphOptimizationLevel = options.Optimization, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        if (options.IntraOpThreads > 0)
        {
            session.IntraOpNumThreads = options.IntraOpThreads;
        }
        return session;
    }

    [LoggerMessage(EventId = 7201, Level = LogLevel.Warning, Message = "CUDA is not available ({Error}: {Detail}); the Qwen3-TTS graphs run on the CPU, far slower than real time for the full-size model")]
    private static partial void LogCpuFallback(ILogger logger, string error, string detail);
}
