using Voice.ApiService.Submissions;

namespace Voice.Tests.Api;

/// <summary>A request's <c>language</c>: a code or name (normalised), or <c>auto</c> resolved to a language spoken here or to none (the voice's).</summary>
public sealed class RequestLanguageTests
{
    [Theory]
    [InlineData(null, null)] // absent: the voice's language
    [InlineData("de", "de")]
    [InlineData("DE", "de")]
    [InlineData(" pt-BR ", "pt")]
    [InlineData("zh_CN", "zh")]
    [InlineData("English", "en")] // vLLM's and Qwen3-TTS's names
    [InlineData("chinese", "zh")]
    [InlineData("tlh", "tlh")] // not ours: kept, for validation to name
    [InlineData("xx-YY", "xx-yy")]
    public void ACodeOrNameIsTakenInLowerCaseWithoutItsRegion(string? language, string? expected)
    {
        var (resolved, warning) = RequestLanguage.Resolve(language, "The text does not matter here.");

        Assert.Equal(expected, resolved);
        Assert.Null(warning);
    }

    [Theory]
    [InlineData("auto", "你好，世界。", "zh")]
    [InlineData("Auto", "Guten Morgen, wie geht es Ihnen?", "de")] // vLLM's spelling
    [InlineData("auto", "Hi.", null)] // undetected: the voice's language, else English
    [InlineData("auto", "", null)]
    public void AutoIsTheDetectedLanguageOrNone(string language, string text, string? expected)
    {
        var (resolved, warning) = RequestLanguage.Resolve(language, text);

        Assert.Equal(expected, resolved);
        Assert.Null(warning);
    }

    [Fact]
    public void AutoOnALanguageNotSpokenHereFallsBackAndSaysSo()
    {
        var (resolved, warning) = RequestLanguage.Resolve("auto", "الطقس جميل اليوم.");

        Assert.Null(resolved);
        Assert.Contains("'ar'", warning, StringComparison.Ordinal);
    }
}
