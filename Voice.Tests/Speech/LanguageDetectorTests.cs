using Voice.Speech.Engines;
using Voice.Speech.Text;

namespace Voice.Tests.Speech;

/// <summary><c>language: auto</c>'s guess: by writing system, and for Latin script by function words.</summary>
public sealed class LanguageDetectorTests
{
    [Fact]
    public void EveryPlatformLanguagesSampleTextIsDetectedAsItself()
    {
        foreach (var (language, sample) in SpeechLanguages.SampleTexts)
        {
            Assert.Equal(language, LanguageDetector.Detect(sample));
        }
    }

    [Theory]
    [InlineData("今天天气很好，我们去公园散步吧。", "zh")]
    [InlineData("今日はいい天気ですね。", "ja")] // kanji with kana: Japanese
    [InlineData("カタカナだけのテキスト", "ja")]
    [InlineData("오늘 날씨가 정말 좋네요.", "ko")]
    [InlineData("Сегодня хорошая погода.", "ru")]
    [InlineData("Η σημερινή μέρα είναι όμορφη.", "el")]
    [InlineData("الطقس جميل اليوم.", "ar")]
    [InlineData("מזג האוויר יפה היום.", "he")]
    [InlineData("आज मौसम बहुत अच्छा है।", "hi")]
    [InlineData("วันนี้อากาศดีมาก", "th")]
    public void AScriptThatNamesItsLanguageDecides(string text, string language)
    {
        Assert.Equal(language, LanguageDetector.Detect(text));
    }

    [Theory]
    [InlineData("The quick brown fox jumps over the lazy dog, twice.", "en")]
    [InlineData("Der Hund schläft heute im Garten, und die Katze auch.", "de")]
    [InlineData("Le chat dort dans le jardin et il n'est pas content.", "fr")]
    [InlineData("El perro duerme en el jardín y no quiere comer.", "es")]
    [InlineData("Il cane dorme nel giardino e non vuole mangiare.", "it")]
    [InlineData("O cão dorme no jardim e não quer comer.", "pt")]
    [InlineData("Straße", "de")] // no function word, but a letter only German writes
    [InlineData("¿Mañana?", "es")]
    public void LatinScriptIsToldApartByItsCommonestWords(string text, string language)
    {
        Assert.Equal(language, LanguageDetector.Detect(text));
    }

    [Theory]
    [InlineData("我喜欢Python编程。", "zh")] // an English word in a Chinese sentence
    [InlineData("Hello 世界, this is a test of the system.", "en")] // a Chinese word in an English sentence
    [InlineData("東京タワーへ行きます", "ja")]
    public void MixedTextTakesTheLanguageThatCarriesMostOfIt(string text, string language)
    {
        Assert.Equal(language, LanguageDetector.Detect(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("12345 !?")]
    [InlineData("Hi.")] // no function word: nothing to go on
    [InlineData("OK")]
    [InlineData("a")] // a word four languages share: a tie
    public void TextThatDoesNotSayGivesNoGuess(string text)
    {
        Assert.Null(LanguageDetector.Detect(text));
    }
}
