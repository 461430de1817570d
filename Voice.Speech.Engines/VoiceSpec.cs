using System.Security.Cryptography;

namespace Voice.Speech.Engines;

public enum VoiceMode
{
    Preset,
    Design,
    Clone,
}

/// <summary>What a voice is made from.</summary>
public abstract record VoiceSpec(string Language);

/// <summary>A named preset and, where the engine follows one (Qwen3-TTS CustomVoice 1.7B), a style instruction such as "speak happily".</summary>
public sealed record PresetVoiceSpec(string Preset, string Language, string? Instruct = null) : VoiceSpec(Language);

/// <summary>
/// A natural-language description, e.g. "a warm, low-pitched male narrator" (English or Chinese). A
/// <paramref name="Variant"/> asks for one of the description's other renderings (a design's candidates): the same
/// variant always gives the same voice, and different ones audibly different voices.
/// </summary>
public sealed record DesignVoiceSpec(string Description, string Language, int? Variant = null) : VoiceSpec(Language);

/// <summary>A prepared reference recording (mono, 24 kHz, trimmed and normalised) and, optionally, what it says.</summary>
public sealed record CloneVoiceSpec(float[] Reference, int SampleRate, string? ReferenceText, string Language) : VoiceSpec(Language);

/// <summary>
/// A prepared, reusable voice: the engine's own data (opaque to the platform, stored with the profile), what
/// the engine derived (as JSON, shown to the tenant), notes such as description words it ignored, and how
/// faithful the engine's rendering is (<c>approximate</c> for the embedded engine).
/// </summary>
public sealed record VoicePrompt(string Engine, VoiceMode Mode, byte[] Data, string AnalysisJson, IReadOnlyList<string> Notes, string Fidelity)
{
    /// <summary>Equal for equal voices: what batches compatible requests together.</summary>
    public string Key { get; } = Engine + ":" + Convert.ToHexStringLower(SHA256.HashData(Data))[..16];
}
