namespace Voice.Speech.Text;

/// <summary>
/// Splits text into speakable segments at sentence ends (Latin and CJK punctuation, line breaks), so engines
/// can stream audio sentence by sentence. Segments longer than <c>maxLength</c> are cut at the last space.
/// </summary>
public static class SentenceSplitter
{
    public static IEnumerable<string> Split(string text, int maxLength = 400)
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
                foreach (var piece in Cut(text[start..(i + 1)], maxLength))
                {
                    yield return piece;
                }
                start = i + 1;
            }
        }
        foreach (var piece in Cut(text[start..], maxLength))
        {
            yield return piece;
        }
    }

    private static IEnumerable<string> Cut(string segment, int maxLength)
    {
        segment = segment.Trim();
        while (segment.Length > maxLength)
        {
            int cut = segment.LastIndexOf(' ', maxLength - 1);
            if (cut <= 0)
            {
                cut = maxLength;
            }
            yield return segment[..cut].Trim();
            segment = segment[cut..].Trim();
        }
        if (segment.Length > 0)
        {
            yield return segment;
        }
    }
}
