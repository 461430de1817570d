namespace Voice.Speech.Engines;

public enum VoiceGender
{
    Female,
    Male,
    Neutral,
}

/// <summary>
/// A ready-made voice every tenant can use without creating one. The names follow OpenAI's speech voices, so
/// clients written for that API work unchanged; each engine renders them its own way, in every language.
/// </summary>
public sealed record PresetVoice(string Name, string Description, VoiceGender Gender);

public static class PresetVoices
{
    public const string Default = "alloy";

    public static readonly IReadOnlyList<PresetVoice> All =
    [
        new("alloy", "Balanced, neutral and clear.", VoiceGender.Neutral),
        new("ash", "Calm, mid-pitched male voice.", VoiceGender.Male),
        new("ballad", "Soft, expressive male voice.", VoiceGender.Male),
        new("coral", "Warm, friendly female voice.", VoiceGender.Female),
        new("echo", "Steady, resonant male voice.", VoiceGender.Male),
        new("fable", "Bright storyteller's voice.", VoiceGender.Male),
        new("onyx", "Deep, low-pitched male narrator.", VoiceGender.Male),
        new("nova", "Energetic, youthful female voice.", VoiceGender.Female),
        new("sage", "Measured, mature female voice.", VoiceGender.Female),
        new("shimmer", "Light, airy female voice.", VoiceGender.Female),
        new("verse", "Versatile, lively male voice.", VoiceGender.Male),
    ];

    public static PresetVoice? Find(string name) =>
        All.FirstOrDefault(v => string.Equals(v.Name, name, StringComparison.OrdinalIgnoreCase));
}
