using System.ComponentModel.DataAnnotations;

namespace Voice.Speech.Engines;

/// <summary>Configuration section <c>Speech</c>: the engine a process describes (API) or runs (worker).</summary>
public sealed class SpeechOptions : IValidatableObject
{
    public const string Section = "Speech";

    /// <summary>One of <see cref="SpeechEngines.Names"/>; the same on the API and the workers.</summary>
    [Required]
    public string Engine { get; set; } = SpeechEngines.Default;

    /// <summary><c>qwen3-onnx</c>: the exported model directory (or <c>VOICE_MODEL_DIR</c>).</summary>
    public string? ModelDirectory { get; set; }

    /// <summary><c>qwen3-onnx</c>: ONNX Runtime's execution provider.</summary>
    [RegularExpression("^(auto|cuda|cpu)$", ErrorMessage = "Speech:Provider is one of auto, cuda, cpu.")]
    public string Provider { get; set; } = "auto";

    [Range(0, 64)]
    public int DeviceId { get; set; }

    /// <summary>A cap on the CUDA arena; none by default.</summary>
    [Range(64, 1_048_576)]
    public long? GpuMemoryLimitMb { get; set; }

    /// <summary>A fixed sampling seed (tests and parity runs); random per request by default.</summary>
    public int? Seed { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!SpeechEngines.Names.Contains(Engine))
        {
            yield return new ValidationResult($"Speech:Engine is one of {string.Join(", ", SpeechEngines.Names)}; '{Engine}' is not.", [nameof(Engine)]);
        }
    }
}
