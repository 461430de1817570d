namespace Voice.Speech.Engines;

public enum VoiceGender
{
    Female,
    Male,
    Neutral,
}

/// <summary>
/// A ready-made voice every tenant can use without creating one. The names follow OpenAI's speech voices,
/// so clients written for that API work unchanged; each engine renders them its own way.
/// </summary>
public sealed record PresetVoice(string Name, string Description, VoiceGender Gender, int Pitch, int Range, string EspeakVariant);

public static class PresetVoices
{
    public const string Default = "alloy";

    public static readonly IReadOnlyList<PresetVoice> All =
    [
        new("alloy", "Balanced, neutral and clear.", VoiceGender.Neutral, 50, 50, "f2"),
        new("ash", "Calm, mid-pitched male voice.", VoiceGender.Male, 42, 45, "m3"),
        new("ballad", "Soft, expressive male voice.", VoiceGender.Male, 48, 70, "m5"),
        new("coral", "Warm, friendly female voice.", VoiceGender.Female, 58, 60, "f4"),
        new("echo", "Steady, resonant male voice.", VoiceGender.Male, 38, 40, "m1"),
        new("fable", "Bright storyteller's voice.", VoiceGender.Male, 55, 75, "m2"),
        new("onyx", "Deep, low-pitched male narrator.", VoiceGender.Male, 25, 35, "m7"),
        new("nova", "Energetic, youthful female voice.", VoiceGender.Female, 66, 65, "f3"),
        new("sage", "Measured, mature female voice.", VoiceGender.Female, 50, 45, "f1"),
        new("shimmer", "Light, airy female voice.", VoiceGender.Female, 70, 55, "f5"),
        new("verse", "Versatile, lively male voice.", VoiceGender.Male, 47, 60, "m4"),
    ];

    public static PresetVoice? Find(string name) =>
        All.FirstOrDefault(v => string.Equals(v.Name, name, StringComparison.OrdinalIgnoreCase));
}
