using Voice.ApiService.Submissions;

namespace Voice.Tests.Api;

/// <summary>Notes in headers stay small and valid whatever a request held.</summary>
public sealed class NoteHeadersTests
{
    [Fact]
    public void ItemsAreJoinedAsTheyAre()
    {
        Assert.Equal("task_type, language", NoteHeaders.Format(["task_type", "language"]));
    }

    [Fact]
    public void NonAsciiControlCommaAndPercentArePercentEncodedAndDecodeBack()
    {
        string[] items = ["漢字は読めません", "a,b", "100%", "line\nbreak"];

        string value = NoteHeaders.Format(items);

        Assert.All(value, c => Assert.InRange(c, ' ', '~'));
        Assert.Equal(items, value.Split(", ").Select(Uri.UnescapeDataString));
    }

    [Fact]
    public void AHostileListIsCutToItsBounds()
    {
        var items = Enumerable.Range(0, 10_000).Select(i => $"{i}_" + new string('x', 5_000)).ToList();

        string value = NoteHeaders.Format(items);

        var parts = value.Split(", ");
        Assert.Equal(NoteHeaders.MaxItems + 1, parts.Length);
        Assert.All(parts[..^1], p => Assert.Equal(NoteHeaders.MaxItemLength, p.Length));
        Assert.All(parts[..^1], p => Assert.EndsWith("...", p, StringComparison.Ordinal));
        Assert.Equal($"+{10_000 - NoteHeaders.MaxItems} more", parts[^1]);
        Assert.True(value.Length < 3_000, $"{value.Length} characters");
    }

    [Fact]
    public void AnItemIsNeverCutInsideAnEscape()
    {
        string value = NoteHeaders.Format([new string('é', 1_000)]);

        Assert.EndsWith("%C3%A9...", value, StringComparison.Ordinal);
        Assert.True(value.Length <= NoteHeaders.MaxItemLength);
    }
}
