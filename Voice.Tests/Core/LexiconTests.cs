using Voice.Core.Lexicons;

namespace Voice.Tests.Core;

public sealed class LexiconTests
{
    private static LexiconEntry Rule(string term, string replacement, string? language = null, bool caseSensitive = false) =>
        new(Guid.NewGuid(), language, term, replacement, caseSensitive, DateTimeOffset.UnixEpoch);

    [Fact]
    public void ReplacesWholeWordsOnlyIgnoringCaseByDefault()
    {
        var rules = new[] { Rule("cat", "feline") };

        Assert.Equal("A feline, a feline? No: a category.", Lexicon.Apply("A cat, a CAT? No: a category.", "en", rules));
        Assert.Equal("feline feline", Lexicon.Apply("Cat cAt", "en", rules));
        Assert.Equal("concat scatter", Lexicon.Apply("concat scatter", "en", rules));
    }

    [Fact]
    public void ACaseSensitiveRuleLeavesOtherCasingsAlone()
    {
        var rules = new[] { Rule("US", "United States", caseSensitive: true) };

        Assert.Equal("United States and us", Lexicon.Apply("US and us", "en", rules));
    }

    [Fact]
    public void LongerTermsWinAndReplacementsAreNotReplacedAgain()
    {
        var rules = new[] { Rule("New York", "N Y"), Rule("New York City", "the big apple"), Rule("apple", "pear") };

        Assert.Equal("the big apple, N Y, pear", Lexicon.Apply("New York City, New York, apple", "en", rules));
    }

    [Fact]
    public void LanguageScopedRulesApplyOnlyToTheirLanguageAndBeatGeneralOnes()
    {
        var rules = new[] { Rule("Voice", "voys"), Rule("Voice", "Stimme", language: "de") };

        Assert.Equal("Stimme", Lexicon.Apply("Voice", "de", rules));
        Assert.Equal("voys", Lexicon.Apply("Voice", "en", rules));
        Assert.Equal("Voice", Lexicon.Apply("Voice", "fr", [Rule("Voice", "Stimme", language: "de")]));
    }

    [Fact]
    public void TermsWithPunctuationAndNonLatinScriptsMatch()
    {
        Assert.Equal("I write C plus plus.", Lexicon.Apply("I write C++.", "en", [Rule("C++", "C plus plus")]));
        Assert.Equal("我们用语音合成。", Lexicon.Apply("我们用TTS。", "zh", [Rule("TTS", "语音合成")]));
        Assert.Equal("Straße", Lexicon.Apply("Strasse", "de", [Rule("strasse", "Straße")]));
    }

    [Fact]
    public void EveryPlaceInTheRewrittenTextMapsBackToWhereItCameFrom()
    {
        const string text = "We ship SQL and W3C docs, not SQL.";
        var (rewritten, replacements) = Lexicon.ApplyMapped(text, "en", [Rule("SQL", "sequel"), Rule("W3C", "double u three see")]);

        Assert.Equal("We ship sequel and double u three see docs, not sequel.", rewritten);
        Assert.Equal(3, replacements.Count);
        // Untouched words map to themselves, shifted by what came before them.
        foreach (string word in new[] { "We", "ship", "and", "docs", "not" })
        {
            int at = rewritten.IndexOf(word, StringComparison.Ordinal);
            Assert.Equal((text.IndexOf(word, StringComparison.Ordinal), word.Length), Lexicon.MapBack(replacements, at, word.Length));
        }
        // Any word of a replacement maps to the whole term it replaced.
        int three = rewritten.IndexOf("three", StringComparison.Ordinal);
        Assert.Equal((text.IndexOf("W3C", StringComparison.Ordinal), 3), Lexicon.MapBack(replacements, three, 5));
        int lastSequel = rewritten.LastIndexOf("sequel", StringComparison.Ordinal);
        Assert.Equal((text.LastIndexOf("SQL", StringComparison.Ordinal), 3), Lexicon.MapBack(replacements, lastSequel, 6));
        // Without rules, nothing moves.
        Assert.Equal((5, 4), Lexicon.MapBack(Lexicon.ApplyMapped(text, "en", []).Replacements, 5, 4));
    }
}
