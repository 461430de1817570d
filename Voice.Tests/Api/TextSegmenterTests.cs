using Voice.ApiService.Realtime;

namespace Voice.Tests.Api;

/// <summary>The socket's segmenter: a piece leaves as soon as its sentence is surely complete, and knows where it stood in all the text sent.</summary>
public sealed class TextSegmenterTests
{
    [Fact]
    public void ASentenceLeavesOnceWhitespaceFollowsItsEndNotBefore()
    {
        var segmenter = new TextSegmenter();
        segmenter.Append("Pi is 3.");
        Assert.Empty(segmenter.TakeComplete()); // "3." may become "3.14"
        segmenter.Append("14 exactly. And then");
        var piece = Assert.Single(segmenter.TakeComplete());
        Assert.Equal(new TextPiece("Pi is 3.14 exactly.", 0), piece);
        Assert.Equal(new TextPiece("And then", 20), segmenter.TakeAll());
        Assert.Null(segmenter.TakeAll());
    }

    [Fact]
    public void CjkSentenceEndsAndLineBreaksEndAPieceAtOnce()
    {
        var segmenter = new TextSegmenter();
        segmenter.Append("你好。今天天气很好！Line one\nline two");
        Assert.Equal(["你好。", "今天天气很好！", "Line one"], segmenter.TakeComplete().Select(p => p.Text));
        Assert.Equal("line two", segmenter.TakeAll()!.Value.Text);
    }

    [Fact]
    public void TextWithoutAnEndIsCutAtASpaceOnceItIsTooLong()
    {
        var segmenter = new TextSegmenter();
        segmenter.Append(string.Concat(Enumerable.Repeat("word ", 100)));
        var pieces = segmenter.TakeComplete();
        Assert.NotEmpty(pieces);
        Assert.All(pieces, p => Assert.True(p.Text.Length <= TextSegmenter.MaxPiece && !p.Text.EndsWith("wor", StringComparison.Ordinal)));
        Assert.True(segmenter.Buffered <= TextSegmenter.MaxPiece);
    }

    [Fact]
    public void StartsCountCodePointsAcrossPiecesAndSkippedWhitespace()
    {
        var segmenter = new TextSegmenter();
        segmenter.Append("😀 Smile.  ");
        segmenter.Append("  Next one. ");
        var pieces = segmenter.TakeComplete();
        Assert.Equal(new TextPiece("😀 Smile.", 0), pieces[0]);
        Assert.Equal(new TextPiece("Next one.", 12), pieces[1]); // the emoji is one code point (two UTF-16 units)
    }

    [Fact]
    public void WhitespaceAloneIsNoPiece()
    {
        var segmenter = new TextSegmenter();
        segmenter.Append("   \n  ");
        Assert.Empty(segmenter.TakeComplete());
        Assert.Null(segmenter.TakeAll());
    }
}
