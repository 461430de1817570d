namespace Voice.Speech.Engines;

public enum VoiceGender
{
    Female,
    Male,
    Neutral,
}

/// <summary>
/// A ready-made voice every tenant can use without creating one. The first names follow OpenAI's speech voices, so
/// clients written for that API work unchanged; the others are Qwen3-TTS CustomVoice's speakers. Each engine renders
/// them its own way, in every language (Qwen3-TTS CustomVoice with its speakers, by name or by language and gender).
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
        new("marin", "Natural, warm female voice with a relaxed, conversational delivery.", VoiceGender.Female),
        new("cedar", "Natural, grounded male voice, smooth and conversational.", VoiceGender.Male),
        // Qwen3-TTS CustomVoice's own speakers, by their names (the model card's descriptions).
        new("vivian", "Bright, slightly edgy young female voice (Mandarin).", VoiceGender.Female),
        new("serena", "Warm, gentle young female voice (Mandarin).", VoiceGender.Female),
        new("uncle_fu", "Seasoned male voice with a low, mellow timbre (Mandarin).", VoiceGender.Male),
        new("dylan", "Youthful Beijing male voice, clear and natural (Beijing dialect for Chinese).", VoiceGender.Male),
        new("eric", "Lively Chengdu male voice, slightly husky (Sichuan dialect for Chinese).", VoiceGender.Male),
        new("ryan", "Dynamic male voice with a strong rhythm (English).", VoiceGender.Male),
        new("aiden", "Sunny American male voice with a clear midrange (English).", VoiceGender.Male),
        new("ono_anna", "Playful, light female voice (Japanese).", VoiceGender.Female),
        new("sohee", "Warm, emotional female voice (Korean).", VoiceGender.Female),
    ];

    public static PresetVoice? Find(string name) =>
        All.FirstOrDefault(v => string.Equals(v.Name, name, StringComparison.OrdinalIgnoreCase));
}
