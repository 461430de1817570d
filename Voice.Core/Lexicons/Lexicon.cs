using System.Text;
using System.Text.RegularExpressions;

namespace Voice.Core.Lexicons;

/// <summary>
/// One pronunciation rule: wherever <see cref="Term"/> stands as a whole word (or phrase) in text of
/// <see cref="Language"/> (null: any language), say <see cref="Replacement"/> instead. Matching ignores case
/// unless <see cref="CaseSensitive"/>.
/// </summary>
public sealed record LexiconEntry(Guid Id, string? Language, string Term, string Replacement, bool CaseSensitive, DateTimeOffset CreatedAt);

/// <summary>Applies a tenant's rules to a text before synthesis, in one pass, so a replacement is never replaced again.</summary>
public static class Lexicon
{
    public static string Apply(string text, string language, IReadOnlyList<LexiconEntry> entries)
    {
        var rules = entries.Where(e => e.Language is null || e.Language == language).ToList();
        if (rules.Count == 0)
        {
            return text;
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
        return regex.Replace(text, match =>
            (ordered.FirstOrDefault(r => r.CaseSensitive && string.Equals(r.Term, match.Value, StringComparison.Ordinal))
             ?? ordered.FirstOrDefault(r => !r.CaseSensitive && string.Equals(r.Term, match.Value, StringComparison.OrdinalIgnoreCase)))
            ?.Replacement ?? match.Value);
    }
}
