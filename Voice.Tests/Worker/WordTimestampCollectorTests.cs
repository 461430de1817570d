using Voice.Core.Jobs;
using Voice.Core.Lexicons;
using Voice.Speech.Engines;
using Voice.Worker.Synthesis;

namespace Voice.Tests.Worker;

public sealed class WordTimestampCollectorTests
{
    [Fact]
    public void WordsOfAReplacementBecomeTheTermAndOffsetsCountCodePoints()
    {
        const string text = "😀 Use W3C now";
        var rule = new LexiconEntry(Guid.NewGuid(), null, "W3C", "double u three see", false, DateTimeOffset.UnixEpoch);
        var (spoken, replacements) = Lexicon.ApplyMapped(text, "en", [rule]);
        Assert.Equal("😀 Use double u three see now", spoken);
        var collector = new WordTimestampCollector(text, replacements);

        // The engine times the words it read, in the rewritten text's UTF-16 offsets.
        WordTiming Timed(string word, double start, double end) => new(spoken.IndexOf(word, StringComparison.Ordinal), word.Length, start, end);
        var first = collector.Add([Timed("😀", 0.0, 0.4), Timed("Use", 0.5, 0.7), Timed("double", 0.8, 1.0), Timed("u", 1.0, 1.1)]);
        var second = collector.Add([Timed("three", 1.1, 1.3), Timed("see", 1.3, 1.5), Timed("now", 1.6, 1.8)]);

        Assert.Equal(
            [new WordTimestamp(0, 1, 0, 400), new WordTimestamp(2, 5, 500, 700), new WordTimestamp(6, 9, 800, 1500), new WordTimestamp(10, 13, 1600, 1800)],
            collector.Words);
        Assert.Equal(new WordTimestamp(6, 9, 800, 1100), first[^1]); // as known then
        Assert.Equal(new WordTimestamp(6, 9, 800, 1500), second[0]);  // the term again, now ending later
        Assert.Equal(["😀", "Use", "W3C", "now"], WordTimestamps.Describe(text, collector.Words).Select(w => w.Word));
    }

    [Fact]
    public void StoredFormRoundTrips()
    {
        WordTimestamp[] words = [new(0, 5, 12, 480), new(6, 11, 530, 1_020)];

        string json = WordTimestamps.ToJson(words);

        Assert.Equal("[[0,5,12,480],[6,11,530,1020]]", json);
        Assert.Equal(words, WordTimestamps.FromJson(json));
        Assert.Equal("[]", WordTimestamps.ToJson([]));
    }
}
