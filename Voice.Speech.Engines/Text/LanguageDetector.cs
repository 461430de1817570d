using System.Text;

namespace Voice.Speech.Text;

/// <summary>
/// Guesses a text's language (ISO 639-1) for <c>language: auto</c>. Most writing systems name their language
/// (Han → zh, kana → ja, Hangul → ko, Cyrillic → ru, Greek, Arabic, Hebrew, Devanagari, Thai); Latin script is told
/// apart by its function words (<see cref="LatinLanguages"/>). The script with the most letters decides; null when the
/// text does not say (no letters, too few words, a tie). The code may be one the platform does not speak.
/// </summary>
public static class LanguageDetector
{
    private enum Script
    {
        Latin,
        Han,
        Kana,
        Hangul,
        Cyrillic,
        Greek,
        Arabic,
        Hebrew,
        Devanagari,
        Thai,
    }

    private static readonly string?[] Languages = [null, "zh", "ja", "ko", "ru", "el", "ar", "he", "hi", "th"];

    // A Han, kana or Hangul character carries about as much as three letters of an alphabet: weighted so,
    // "我喜欢Python编程" is Chinese with an English word in it, not the other way round.
    private const int SyllabicWeight = 3;

    public static string? Detect(string text)
    {
        Span<int> letters = stackalloc int[Languages.Length];
        foreach (var rune in text.EnumerateRunes())
        {
            if (ScriptOf(rune) is { } script)
            {
                letters[(int)script]++;
            }
        }
        // Japanese writes kanji between kana; Chinese never writes kana. A few kana among the Han make it Japanese.
        int kana = letters[(int)Script.Kana], han = letters[(int)Script.Han];
        if (kana > 0 && kana * 10 >= kana + han)
        {
            (letters[(int)Script.Kana], letters[(int)Script.Han]) = (kana + han, 0);
        }
        else
        {
            letters[(int)Script.Kana] = 0;
        }
        int best = -1, bestScore = 0;
        for (int i = 0; i < letters.Length; i++)
        {
            int score = (Script)i is Script.Han or Script.Kana or Script.Hangul ? letters[i] * SyllabicWeight : letters[i];
            if (score > bestScore)
            {
                (best, bestScore) = (i, score);
            }
        }
        return best < 0 ? null : (Script)best == Script.Latin ? LatinLanguages.Classify(text) : Languages[best];
    }

    private static Script? ScriptOf(Rune rune) => rune.Value switch
    {
        (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') => Script.Latin,
        (>= 0xC0 and <= 0x24F) and not (0xD7 or 0xF7) or (>= 0x1E00 and <= 0x1EFF) => Script.Latin,
        (>= 0x3040 and <= 0x30FF) and not 0x30FB or (>= 0x31F0 and <= 0x31FF) or (>= 0xFF66 and <= 0xFF9D) => Script.Kana,
        (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0xF900 and <= 0xFAFF) or (>= 0x20000 and <= 0x3134F) => Script.Han,
        (>= 0xAC00 and <= 0xD7AF) or (>= 0x1100 and <= 0x11FF) or (>= 0x3130 and <= 0x318F) => Script.Hangul,
        >= 0x400 and <= 0x52F => Script.Cyrillic,
        (>= 0x370 and <= 0x3FF) or (>= 0x1F00 and <= 0x1FFF) => Script.Greek,
        (>= 0x600 and <= 0x6FF) or (>= 0x750 and <= 0x77F) or (>= 0xFB50 and <= 0xFDFF) or (>= 0xFE70 and <= 0xFEFF) => Script.Arabic,
        >= 0x590 and <= 0x5FF => Script.Hebrew,
        >= 0x900 and <= 0x97F => Script.Devanagari,
        >= 0xE00 and <= 0xE7F => Script.Thai,
        _ => null,
    };
}
