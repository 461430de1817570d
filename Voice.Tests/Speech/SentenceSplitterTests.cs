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

    [Fact]
    public void SegmentsKnowWhereTheyStandInTheText()
    {
        string text = "  First one.   Second\t one!\n\nA third, cut " + string.Join(' ', Enumerable.Repeat("many", 30)) + " 😀😀 end";

        var segments = SentenceSplitter.Segments(text, maxLength: 40).ToList();

        Assert.True(segments.Count >= 5);
        Assert.All(segments, s => Assert.Equal(s.Text, text.Substring(s.Start, s.Text.Length)));
        Assert.Equal(segments.Select(s => s.Text), SentenceSplitter.Split(text, maxLength: 40));
        Assert.True(segments.Zip(segments.Skip(1)).All(p => p.Second.Start >= p.First.Start + p.First.Text.Length), "segments overlap or go back");
        Assert.Equal(2, segments[0].Start);
    }

    [Fact]
    public void AnOverlongRunWithoutSpacesIsNotCutInsideACharacter()
    {
        string text = string.Concat(Enumerable.Repeat("😀", 30)); // 60 UTF-16 units, no space

        var segments = SentenceSplitter.Segments(text, maxLength: 17).ToList();

        Assert.All(segments, s => Assert.False(char.IsLowSurrogate(s.Text[0]) || char.IsHighSurrogate(s.Text[^1]), s.Text));
        Assert.Equal(text, string.Concat(segments.Select(s => s.Text)));
    }
}
