using System.Text;
using System.Text.Json;

namespace Voice.Core.Jobs;

/// <summary>How word timestamps are stored (compactly: <c>[[start_char, end_char, start_ms, end_ms], …]</c>) and read back.</summary>
public static class WordTimestamps
{
    public static string ToJson(IReadOnlyList<WordTimestamp> words)
    {
        var json = new StringBuilder(words.Count * 24 + 2).Append('[');
        for (int i = 0; i < words.Count; i++)
        {
            var w = words[i];
            json.Append(i == 0 ? "" : ",").Append('[').Append(w.StartChar).Append(',').Append(w.EndChar).Append(',')
                .Append(w.StartMs).Append(',').Append(w.EndMs).Append(']');
        }
        return json.Append(']').ToString();
    }

    public static IReadOnlyList<WordTimestamp> FromJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        var words = new List<WordTimestamp>(document.RootElement.GetArrayLength());
        foreach (var w in document.RootElement.EnumerateArray())
        {
            words.Add(new WordTimestamp(w[0].GetInt32(), w[1].GetInt32(), w[2].GetInt32(), w[3].GetInt32()));
        }
        return words;
    }

    /// <summary>The words with their text, as clients get them: seconds, and the word as written in <paramref name="text"/>.</summary>
    public static IEnumerable<(string Word, double Start, double End, int StartChar, int EndChar)> Describe(string text, IReadOnlyList<WordTimestamp> words)
    {
        var offsets = CodePointOffsets(text);
        foreach (var w in words)
        {
            int start = offsets[Math.Clamp(w.StartChar, 0, offsets.Length - 1)], end = offsets[Math.Clamp(w.EndChar, 0, offsets.Length - 1)];
            yield return (text[start..Math.Max(start, end)], w.StartMs / 1000.0, w.EndMs / 1000.0, w.StartChar, w.EndChar);
        }
    }

    /// <summary>The UTF-16 index of each code point of <paramref name="text"/>, and the text's length last.</summary>
    public static int[] CodePointOffsets(string text)
    {
        var offsets = new List<int>(text.Length + 1);
        int index = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            offsets.Add(index);
            index += rune.Utf16SequenceLength;
        }
        offsets.Add(index);
        return [.. offsets];
    }

    /// <summary>For each UTF-16 index of <paramref name="text"/> (and its length), the code point it is in.</summary>
    public static int[] CodePointIndexes(string text)
    {
        var indexes = new int[text.Length + 1];
        int codePoint = 0;
        for (int i = 0; i < text.Length; i++)
        {
            indexes[i] = codePoint;
            if (!(char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])))
            {
                codePoint++;
            }
        }
        indexes[text.Length] = codePoint;
        return indexes;
    }
}
