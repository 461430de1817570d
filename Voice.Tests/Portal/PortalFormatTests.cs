using Voice.Web.Services;

namespace Voice.Tests.Portal;

/// <summary>How the portal writes money, lengths, first words and download names.</summary>
public sealed class PortalFormatTests
{
    [Theory]
    [InlineData(0, "USD", "$0.00")]
    [InlineData(0.0012, "USD", "$0.0012")]
    [InlineData(12.5, "EUR", "€12.50")]
    [InlineData(3, "CHF", "3.00 CHF")]
    public void MoneyKeepsSmallAmountsReadable(decimal amount, string currency, string expected) =>
        Assert.Equal(expected, PortalFormat.Money(amount, currency));

    [Theory]
    [InlineData(7.4, "0:07")]
    [InlineData(754, "12:34")]
    [InlineData(3723, "1:02:03")]
    public void DurationIsMinutesAndSeconds(double seconds, string expected) => Assert.Equal(expected, PortalFormat.Duration(seconds));

    [Fact]
    public void FirstWordsMarkWhatWasLeftOut()
    {
        Assert.Equal("one two three", PortalFormat.FirstWords("one two three"));
        Assert.Equal("a b c d e f g h…", PortalFormat.FirstWords("a b c d e f g h i j"));
        Assert.Equal("", PortalFormat.FirstWords(null));
    }

    [Fact]
    public void AudioFileNamesAreReadableAndSafe()
    {
        var when = new DateTimeOffset(2026, 12, 6, 23, 30, 0, TimeSpan.FromHours(-2));
        Assert.Equal("voice-zoe-narrator-hello-there-it-s-me-again-2026-12-07.mp3",
            PortalFormat.AudioFileName("Zoe Narrator", "Hello there! It's me again, and more", when, "mp3"));
        Assert.Equal("voice-rm-rf-2026-12-07.wav", PortalFormat.AudioFileName("../../", "\"; rm -rf /", when, "wav"));
    }
}
