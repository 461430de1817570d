using Voice.Speech.Engines;

namespace Voice.Speech.Qwen3;

/// <summary>
/// The CustomVoice models' preset speakers (their native language and gender, from the model card) and how the
/// platform's preset names map to them: a native name is itself; an OpenAI-style name takes a speaker of its
/// gender (neutral: female) native to the requested language, else a standard-Mandarin one (Mandarin and English are
/// the model's main languages), else any; never a dialect speaker
/// (those speak Sichuanese or Beijing dialect for Chinese: asked for by name only). Presets of one gender are spread
/// over the speakers that qualify.
/// </summary>
public static class Qwen3Speakers
{
    public sealed record Speaker(string Name, string Language, VoiceGender Gender, bool Dialect = false);

    public static readonly IReadOnlyList<Speaker> All =
    [
        new("vivian", "zh", VoiceGender.Female), new("serena", "zh", VoiceGender.Female), new("uncle_fu", "zh", VoiceGender.Male),
        new("dylan", "zh", VoiceGender.Male, Dialect: true), new("eric", "zh", VoiceGender.Male, Dialect: true),
        new("ryan", "en", VoiceGender.Male), new("aiden", "en", VoiceGender.Male),
        new("ono_anna", "ja", VoiceGender.Female), new("sohee", "ko", VoiceGender.Female),
    ];

    /// <summary>The speaker of <paramref name="available"/> that renders <paramref name="preset"/> in <paramref name="language"/>, or null.</summary>
    public static string? For(string preset, string language, IReadOnlyCollection<string> available)
    {
        string name = preset.ToLowerInvariant();
        if (available.Contains(name))
        {
            return name;
        }
        if (PresetVoices.Find(preset) is not { } known)
        {
            return null;
        }
        var gender = known.Gender == VoiceGender.Neutral ? VoiceGender.Female : known.Gender;
        var present = All.Where(s => s.Gender == gender && !s.Dialect && available.Contains(s.Name)).ToList();
        var native = present.Where(s => s.Language == language).ToList();
        var mandarin = present.Where(s => s.Language == "zh").ToList(); // the model's other main language
        var candidates = native.Count > 0 ? native : mandarin.Count > 0 ? mandarin : present;
        if (candidates.Count == 0)
        {
            return null;
        }
        var sameGender = PresetVoices.All.Where(p => (p.Gender == VoiceGender.Neutral ? VoiceGender.Female : p.Gender) == gender).ToList();
        return candidates[sameGender.IndexOf(known) % candidates.Count].Name;
    }
}
