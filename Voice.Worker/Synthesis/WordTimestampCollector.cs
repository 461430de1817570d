using Voice.Core.Jobs;
using Voice.Core.Lexicons;
using Voice.Speech.Engines;

namespace Voice.Worker.Synthesis;

/// <summary>
/// Gathers a job's word timestamps as the engine reports them, in terms of the text the tenant sent: the
/// engine read the text after the pronunciation dictionary rewrote it, so each word is mapped back through
/// the rewrites (the words of one replacement become the term they replaced), and UTF-16 offsets become code
/// point offsets. A dialogue turn's words are shifted to where the turn is in the job's text (<paramref name="charOffset"/>,
/// code points) and in its audio (<paramref name="msOffset"/>).
/// </summary>
public sealed class WordTimestampCollector(string text, IReadOnlyList<TextReplacement> replacements, int charOffset = 0, int msOffset = 0)
{
    private readonly int[] _codePoints = WordTimestamps.CodePointIndexes(text);
    private readonly List<WordTimestamp> _words = [];

    public IReadOnlyList<WordTimestamp> Words => _words;

    /// <summary>
    /// Adds the engine's words, <paramref name="trimmedSeconds"/> earlier (what was cut from the start of the audio);
    /// returns those that are new or changed (a replacement's words are one).
    /// </summary>
    public IReadOnlyList<WordTimestamp> Add(IReadOnlyList<WordTiming> timings, double trimmedSeconds = 0)
    {
        int firstChanged = _words.Count;
        foreach (var timing in timings)
        {
            var (start, length) = Lexicon.MapBack(replacements, timing.Start, timing.Length);
            start = Math.Clamp(start, 0, text.Length);
            int end = Math.Clamp(start + length, start, text.Length);
            var word = new WordTimestamp(charOffset + _codePoints[start], charOffset + _codePoints[end],
                msOffset + Milliseconds(timing.StartSeconds - trimmedSeconds), msOffset + Milliseconds(timing.EndSeconds - trimmedSeconds));
            if (_words.Count > 0 && _words[^1] is var previous && word.StartChar < previous.EndChar)
            {
                // The same written word again (another word of its replacement): it lasts until this one ends.
                _words[^1] = previous with { EndChar = Math.Max(previous.EndChar, word.EndChar), EndMs = Math.Max(previous.EndMs, word.EndMs) };
                firstChanged = Math.Min(firstChanged, _words.Count - 1);
                continue;
            }
            _words.Add(word);
        }
        return _words[firstChanged..];
    }

    private static int Milliseconds(double seconds) => (int)Math.Round(Math.Max(0, seconds) * 1000);
}
