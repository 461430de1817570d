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
}
