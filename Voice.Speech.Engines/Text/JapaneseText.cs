using System.Globalization;
using System.Text;

namespace Voice.Speech.Text;

/// <summary>Kanji detection for engines that read Japanese kana only.</summary>
public static class JapaneseText
{
    public static bool HasKanji(string text)
    {
        foreach (var rune in text.EnumerateRunes())
        {
            if (IsKanji(rune))
            {
                return true;
            }
        }
        return false;
    }

    public static string WithoutKanji(string text) => WithoutKanjiMapped(text).Text;

    /// <summary>The text without kanji, and for each of its UTF-16 units the index of the unit it came from.</summary>
    public static (string Text, int[] Origin) WithoutKanjiMapped(string text)
    {
        var builder = new StringBuilder(text.Length);
        var origin = new List<int>(text.Length);
        int index = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (!IsKanji(rune))
            {
                builder.Append(rune.ToString());
                for (int i = 0; i < rune.Utf16SequenceLength; i++)
                {
                    origin.Add(index + i);
                }
            }
            index += rune.Utf16SequenceLength;
        }
        return (builder.ToString(), [.. origin]);
    }

    public static string WithoutPunctuation(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category is not (UnicodeCategory.OtherPunctuation or UnicodeCategory.SpaceSeparator or UnicodeCategory.OpenPunctuation
                or UnicodeCategory.ClosePunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.Control))
            {
                builder.Append(rune.ToString());
            }
        }
        return builder.ToString();
    }

    // CJK Unified Ideographs, Extension A, compatibility ideographs and the supplementary-plane extensions; 々 too.
    private static bool IsKanji(Rune rune) => rune.Value is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF)
        or (>= 0xF900 and <= 0xFAFF) or (>= 0x20000 and <= 0x3134F) or 0x3005;
}
