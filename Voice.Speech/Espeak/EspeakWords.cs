using Voice.Speech.Engines;

namespace Voice.Speech.Espeak;

/// <summary>
/// Turns espeak-ng's word events for one synthesised sentence into word timings of the request. espeak-ng
/// reports where each word starts (its first code point and the sample its sound starts at) but not where it
/// ends; its word length stops at apostrophes and hyphens ("Isn't" is "Isn", "e-mail" is "e"), and a number
/// read as several words ("123": one hundred … three) comes as several events inside one written word. So:
/// an event inside the previous event's word is part of it; a written word runs from its event to the next
/// word or whitespace, less the punctuation around it; it sounds from its first audible sample at or after its
/// event (events lead the sound by 14–52 ms) to the last audible sample before the next word's event
/// (pauses at commas and sentence ends are not speech).
/// </summary>
internal static class EspeakWords
{
    private const float Audible = 0.003f; // about −50 dBFS, the stitcher's silence threshold

    /// <param name="events">The sentence's word events, in order.</param>
    /// <param name="samples">The sentence's audio as espeak-ng made it.</param>
    /// <param name="sentence">The sentence as it was synthesised.</param>
    /// <param name="toRequest">Maps a UTF-16 span of the sentence to a (start, length) span of the request's text.</param>
    /// <param name="shift">Where the sentence's first sample lies in the request's audio (may be negative: trimmed silence).</param>
    /// <param name="from">The first sample of the sentence's audio as played.</param>
    /// <param name="to">The sample after its last.</param>
    public static List<WordTiming> Locate(IReadOnlyList<EspeakSynthesizer.Word> events, ReadOnlySpan<float> samples, string sentence,
        Func<int, int, (int Start, int Length)> toRequest, long shift, long from, long to, int sampleRate)
    {
        var words = Words(events, sentence);
        var result = new List<WordTiming>(words.Count);
        for (int k = 0; k < words.Count; k++)
        {
            var (begin, end, sample) = words[k];
            int next = k + 1 < words.Count ? Math.Min(words[k + 1].Sample, samples.Length) : samples.Length;
            int first = Math.Clamp(sample, 0, next);
            int last = next;
            while (last > first && Math.Abs(samples[last - 1]) < Audible)
            {
                last--;
            }
            if (last > first)
            {
                while (Math.Abs(samples[first]) < Audible)
                {
                    first++; // stops at last - 1 at the latest: that sample is audible
                }
            }
            else
            {
                last = next; // nothing audible between the events: keep espeak-ng's span
            }
            long startSample = Math.Clamp(first + shift, from, to), endSample = Math.Clamp(last + shift, from, to);
            var (start, length) = toRequest(begin, end - begin);
            result.Add(new WordTiming(start, length, startSample / (double)sampleRate, endSample / (double)sampleRate));
        }
        return result;
    }

    /// <summary>The written words the events stand for: UTF-16 span in the sentence and the sample the word starts at.</summary>
    private static List<(int Begin, int End, int Sample)> Words(IReadOnlyList<EspeakSynthesizer.Word> events, string sentence)
    {
        int[] units = CodePointStarts(sentence);
        int codePoints = units.Length - 1;
        // One event per written word: an event inside the previous event's word is part of it — and so is one in
        // the same run of non-space characters ("$5", "50%"), except in scripts written without spaces, where
        // espeak-ng's own words (a character, a kana phrase) are the words.
        var starts = new List<EspeakSynthesizer.Word>(events.Count);
        int tokenEnd = 0;
        foreach (var e in events)
        {
            if (e.Position < 0 || e.Position >= codePoints || char.IsWhiteSpace(sentence[units[e.Position]]) || IsMark(sentence[units[e.Position]]))
            {
                continue; // outside the text, or on a space or a mark (espeak-ng reports some): no word starts there
            }
            int begin = units[e.Position];
            if (starts.Count > 0 && starts[^1] is var previous && e.Position >= previous.Position
                && (e.Position < previous.Position + Math.Max(1, previous.Length) || begin < tokenEnd && !Unspaced(sentence, begin) && !Unspaced(sentence, units[previous.Position])))
            {
                continue;
            }
            starts.Add(e);
            tokenEnd = begin;
            while (tokenEnd < sentence.Length && !char.IsWhiteSpace(sentence[tokenEnd]))
            {
                tokenEnd++;
            }
        }
        var words = new List<(int, int, int)>(starts.Count);
        for (int k = 0; k < starts.Count; k++)
        {
            int begin = units[starts[k].Position];
            int limit = k + 1 < starts.Count ? units[starts[k + 1].Position] : sentence.Length;
            int end = begin;
            while (end < limit && !char.IsWhiteSpace(sentence[end]))
            {
                end++;
            }
            while (begin < end && IsMark(sentence[begin]))
            {
                begin++;
            }
            while (end > begin && IsMark(sentence[end - 1]))
            {
                end--;
            }
            if (end > begin)
            {
                words.Add((begin, end, starts[k].Sample));
            }
        }
        return words;
    }
    /// <summary>Punctuation around words that is not itself read out (unlike "%", "&amp;" or "$").</summary>
    private static bool IsMark(char c) => c is '.' or ',' or '!' or '?' or ';' or ':' or '…' or '"' or '\'' or '(' or ')' or '[' or ']' or '{' or '}'
        or '«' or '»' or '“' or '”' or '‘' or '’' or '—' or '–' or '、' or '。' or '，' or '！' or '？' or '；' or '：' or '「' or '」' or '『' or '』';

    /// <summary>Whether the character at <paramref name="index"/> belongs to a script written without spaces (Han, kana).</summary>
    private static bool Unspaced(string text, int index)
    {
        int c = char.IsHighSurrogate(text[index]) && index + 1 < text.Length ? char.ConvertToUtf32(text[index], text[index + 1]) : text[index];
        return c is (>= 0x3040 and <= 0x30FF) or (>= 0x3400 and <= 0x9FFF) or (>= 0xF900 and <= 0xFAFF) or (>= 0x20000 and <= 0x3134F);
    }

    /// <summary>The UTF-16 index of each code point of <paramref name="text"/>, and its length last.</summary>
    private static int[] CodePointStarts(string text)
    {
        var starts = new List<int>(text.Length + 1);
        int index = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            starts.Add(index);
            index += rune.Utf16SequenceLength;
        }
        starts.Add(index);
        return [.. starts];
    }
}
