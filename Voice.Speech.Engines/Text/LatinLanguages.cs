using System.Collections.Frozen;
using System.Text;

namespace Voice.Speech.Text;

/// <summary>
/// Tells the platform's Latin-script languages apart by their commonest words (articles, pronouns, prepositions,
/// auxiliaries, a few greetings) and the characters only one of them writes (ß, ñ, ¿, ã, œ, ì…). A word several languages share counts
/// for each; the language with the most points wins, and a tie or no point at all says nothing.
/// </summary>
internal static class LatinLanguages
{
    private static readonly (string Language, string[] Words, string Letters)[] Languages =
    [
        ("en", ["the", "and", "is", "are", "was", "were", "of", "to", "in", "that", "it", "you", "he", "she", "we", "they", "this", "with",
            "for", "on", "have", "has", "not", "be", "what", "how", "my", "your", "will", "would", "there", "from", "at", "by", "an", "or",
            "a", "am", "over", "hello", "thank", "thanks", "please"], ""),
        ("de", ["der", "die", "das", "und", "ist", "nicht", "ein", "eine", "einen", "ich", "sie", "wir", "mit", "auf", "für", "von", "zu",
            "den", "dem", "des", "auch", "sich", "es", "im", "in", "an", "am", "wie", "sind", "war", "hat", "haben", "oder", "aber", "mein",
            "meine", "ihr", "ihnen", "wird", "hallo", "danke", "bitte", "sehr", "heute", "guten"], "ßäöü"),
        ("fr", ["le", "la", "les", "et", "est", "un", "une", "des", "du", "je", "vous", "nous", "il", "elle", "ne", "pas", "que", "qui",
            "dans", "pour", "avec", "sur", "ce", "cette", "au", "aux", "mais", "on", "en", "ma", "mon", "sont", "c", "j", "l", "d", "qu",
            "n", "voici", "bonjour", "merci"], "œëïîÿ"),
        ("es", ["el", "los", "las", "la", "y", "es", "está", "son", "del", "al", "una", "un", "por", "para", "con", "que", "no", "se", "lo",
            "su", "como", "pero", "muy", "yo", "tú", "usted", "este", "esta", "más", "también", "mi", "te", "en", "a", "hola", "gracias"],
            "ñ¿¡"),
        ("it", ["il", "lo", "gli", "le", "la", "e", "è", "di", "da", "che", "non", "sono", "per", "una", "un", "con", "del", "della", "dei",
            "nel", "nella", "io", "questo", "questa", "anche", "ma", "molto", "sei", "come", "ecco", "mi", "ti", "mia", "mio", "l", "a",
            "si", "ciao", "grazie"], "ìò"),
        ("pt", ["o", "os", "as", "a", "e", "é", "do", "da", "dos", "das", "no", "na", "em", "um", "uma", "que", "não", "com", "para", "por",
            "se", "ele", "ela", "eu", "você", "muito", "mas", "isso", "este", "esta", "são", "está", "minha", "meu", "te", "olá",
            "obrigado", "obrigada"], "ãõ"),
    ];

    /// <summary>For each word, the languages (indexes into <see cref="Languages"/>) that use it.</summary>
    private static readonly FrozenDictionary<string, int[]> WordIndex = Languages
        .SelectMany((language, index) => language.Words.Select(word => (word, index)))
        .GroupBy(pair => pair.word, pair => pair.index)
        .ToFrozenDictionary(group => group.Key, group => group.ToArray(), StringComparer.Ordinal);

    public static string? Classify(string text)
    {
        Span<int> points = stackalloc int[Languages.Length];
        var word = new StringBuilder();
        foreach (var rune in text.EnumerateRunes())
        {
            var lower = Rune.ToLowerInvariant(rune);
            for (int i = 0; i < Languages.Length; i++)
            {
                points[i] += lower.IsBmp && Languages[i].Letters.Contains((char)lower.Value) ? 1 : 0;
            }
            if (Rune.IsLetter(rune))
            {
                word.Append(lower.ToString());
                continue;
            }
            Count(word, points);
        }
        Count(word, points);
        int best = 0;
        for (int i = 1; i < points.Length; i++)
        {
            best = points[i] > points[best] ? i : best;
        }
        for (int i = 0; i < points.Length; i++)
        {
            if (i != best && points[i] == points[best])
            {
                return null;
            }
        }
        return points[best] > 0 ? Languages[best].Language : null;
    }

    private static void Count(StringBuilder word, Span<int> points)
    {
        if (word.Length > 0 && WordIndex.TryGetValue(word.ToString(), out var languages))
        {
            foreach (int language in languages)
            {
                points[language]++;
            }
        }
        word.Clear();
    }
}
