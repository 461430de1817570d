using System.Text;
using System.Text.RegularExpressions;

namespace Voice.Core.Lexicons;

/// <summary>
/// One pronunciation rule: wherever <see cref="Term"/> stands as a whole word (or phrase) in text of
/// <see cref="Language"/> (null: any language), say <see cref="Replacement"/> instead. Matching ignores case
/// unless <see cref="CaseSensitive"/>.
/// </summary>
public sealed record LexiconEntry(Guid Id, string? Language, string Term, string Replacement, bool CaseSensitive, DateTimeOffset CreatedAt);

/// <summary>
/// One rewrite the lexicon made: <see cref="Length"/> UTF-16 units at <see cref="Start"/> of the original text
/// became <see cref="NewLength"/> at <see cref="NewStart"/> of the rewritten one.
/// </summary>
public readonly record struct TextReplacement(int Start, int Length, int NewStart, int NewLength);

/// <summary>Applies a tenant's rules to a text before synthesis, in one pass, so a replacement is never replaced again.</summary>
public static class Lexicon
{
    public static string Apply(string text, string language, IReadOnlyList<LexiconEntry> entries) => ApplyMapped(text, language, entries).Text;

    /// <summary>The rewritten text and each rewrite, in order: what maps a place in it back to the original.</summary>
    public static (string Text, IReadOnlyList<TextReplacement> Replacements) ApplyMapped(string text, string language, IReadOnlyList<LexiconEntry> entries)
    {
        var rules = entries.Where(e => e.Language is null || e.Language == language).ToList();
        var replacements = new List<TextReplacement>();
        if (rules.Count == 0)
        {
            return (text, replacements);
        }
        // Longest terms first, so "New York City" wins over "New York"; whole words only (no letter or digit
        // either side) — except in Chinese and Japanese, written without spaces, where a term matches anywhere.
        // One case-insensitive alternation; each match then finds its rule: an exact-case rule first, then a
        // case-insensitive one — a case-sensitive rule alone leaves other casings as they are.
        bool words = language is not ("zh" or "ja");
        var pattern = new StringBuilder(words ? @"(?<![\p{L}\p{N}])(?:" : "(?:");
        pattern.AppendJoin('|', rules.Select(r => r.Term).Distinct(StringComparer.OrdinalIgnoreCase)
            .OrderByDescending(t => t.Length).Select(Regex.Escape));
        pattern.Append(words ? @")(?![\p{L}\p{N}])" : ")");
        var regex = new Regex(pattern.ToString(), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        // Language-specific rules beat rules for every language.
        var ordered = rules.OrderBy(r => r.Language is null).ToList();
        int shift = 0; // the rewritten text's length less the original's, so far (matches come left to right)
        string rewritten = regex.Replace(text, match =>
        {
            string? replacement = (ordered.FirstOrDefault(r => r.CaseSensitive && string.Equals(r.Term, match.Value, StringComparison.Ordinal))
                ?? ordered.FirstOrDefault(r => !r.CaseSensitive && string.Equals(r.Term, match.Value, StringComparison.OrdinalIgnoreCase)))?.Replacement;
            if (replacement is null)
            {
                return match.Value;
            }
            replacements.Add(new TextReplacement(match.Index, match.Length, match.Index + shift, replacement.Length));
            shift += replacement.Length - match.Length;
            return replacement;
        });
        return (rewritten, replacements);
    }

    /// <summary>
    /// The span of the original text that the span [<paramref name="start"/>, <paramref name="start"/> +
    /// <paramref name="length"/>) of the rewritten text came from; a span that touches a replacement covers
    /// the whole term it replaced.
    /// </summary>
    public static (int Start, int Length) MapBack(IReadOnlyList<TextReplacement> replacements, int start, int length)
    {
        int end = start + Math.Max(1, length) - 1; // the last unit, inclusive
        int originalStart = Original(replacements, start, atEnd: false);
        int originalEnd = Original(replacements, end, atEnd: true);
        return (originalStart, Math.Max(0, originalEnd - originalStart));
    }

    /// <summary>Where unit <paramref name="index"/> of the rewritten text is in the original (its start, or the end after it).</summary>
    private static int Original(IReadOnlyList<TextReplacement> replacements, int index, bool atEnd)
    {
        int shift = 0;
        foreach (var r in replacements)
        {
            if (index < r.NewStart)
            {
                break;
            }
            if (index < r.NewStart + r.NewLength)
            {
                return atEnd ? r.Start + r.Length : r.Start;
            }
            shift = r.NewStart + r.NewLength - (r.Start + r.Length);
        }
        return index - shift + (atEnd ? 1 : 0);
    }
}
