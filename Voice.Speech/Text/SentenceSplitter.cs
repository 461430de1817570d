namespace Voice.Speech.Text;

/// <summary>A piece of a text: where it starts in the text (UTF-16 index) and what it says.</summary>
public readonly record struct TextSegment(int Start, string Text);

/// <summary>
/// Splits text into speakable segments at sentence ends (Latin and CJK punctuation, line breaks), so engines
/// can stream audio sentence by sentence. Segments longer than <c>maxLength</c> are cut at the last space.
/// Each segment keeps its place in the text, so what is said can be traced back to it (word timestamps).
/// </summary>
public static class SentenceSplitter
{
    public static IEnumerable<string> Split(string text, int maxLength = 400) => Segments(text, maxLength).Select(s => s.Text);

    public static IEnumerable<TextSegment> Segments(string text, int maxLength = 400)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 16);
        int start = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            bool cjkEnd = c is '。' or '！' or '？' or '；';
            bool latinEnd = c is '.' or '!' or '?' or ';' && (i + 1 == text.Length || char.IsWhiteSpace(text[i + 1]));
            bool lineEnd = c == '\n';
            if (cjkEnd || latinEnd || lineEnd)
            {
                foreach (var piece in Cut(text, start, i + 1, maxLength))
                {
                    yield return piece;
                }
                start = i + 1;
            }
        }
        foreach (var piece in Cut(text, start, text.Length, maxLength))
        {
            yield return piece;
        }
    }

    /// <summary>The trimmed pieces of <c>text[start..end]</c>, none longer than <paramref name="maxLength"/>.</summary>
    private static IEnumerable<TextSegment> Cut(string text, int start, int end, int maxLength)
    {
        Trim(text, ref start, ref end);
        while (end - start > maxLength)
        {
            int cut = text.LastIndexOf(' ', start + maxLength - 1, maxLength);
            if (cut <= start)
            {
                cut = start + maxLength;
                if (char.IsLowSurrogate(text[cut]))
                {
                    cut--; // never split a character in two
                }
            }
            int pieceStart = start, pieceEnd = cut;
            Trim(text, ref pieceStart, ref pieceEnd);
            yield return new TextSegment(pieceStart, text[pieceStart..pieceEnd]);
            start = cut;
            Trim(text, ref start, ref end);
        }
        if (end > start)
        {
            yield return new TextSegment(start, text[start..end]);
        }
    }

    private static void Trim(string text, ref int start, ref int end)
    {
        while (start < end && char.IsWhiteSpace(text[start]))
        {
            start++;
        }
        while (end > start && char.IsWhiteSpace(text[end - 1]))
        {
            end--;
        }
    }
}
