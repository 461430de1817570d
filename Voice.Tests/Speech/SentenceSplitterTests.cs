using Voice.Speech.Text;

namespace Voice.Tests.Speech;

public sealed class SentenceSplitterTests
{
    [Fact]
    public void SplitsAtLatinSentenceEndsFollowedBySpace()
    {
        var parts = SentenceSplitter.Split("One. Two! Three? Four").ToArray();

        Assert.Equal(["One.", "Two!", "Three?", "Four"], parts);
    }

    [Fact]
    public void DoesNotSplitDecimalsOrAbbreviationsWithoutSpace()
    {
        var parts = SentenceSplitter.Split("Pi is 3.14 and e.g.this stays.").ToArray();

        Assert.Equal(["Pi is 3.14 and e.g.this stays."], parts);
    }

    [Fact]
    public void SplitsAtCjkPunctuationAndLineBreaks()
    {
        var parts = SentenceSplitter.Split("你好。今天好吗？\nNew line").ToArray();

        Assert.Equal(["你好。", "今天好吗？", "New line"], parts);
    }

    [Fact]
    public void CutsOverlongSentencesAtSpacesWithinTheLimit()
    {
        string text = string.Join(' ', Enumerable.Repeat("word", 100)); // 499 characters, no sentence end

        var parts = SentenceSplitter.Split(text, maxLength: 100).ToArray();

        Assert.All(parts, p => Assert.InRange(p.Length, 1, 100));
        Assert.Equal(text, string.Join(' ', parts));
    }

    [Fact]
    public void WhitespaceOnlyTextYieldsNothing()
    {
        Assert.Empty(SentenceSplitter.Split("  \n\t "));
    }
}
