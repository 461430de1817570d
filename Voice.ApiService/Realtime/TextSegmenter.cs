using System.Text;

namespace Voice.ApiService.Realtime;

/// <summary>A piece of streamed text to speak, and where it starts in everything the context was sent (in Unicode code points).</summary>
public readonly record struct TextPiece(string Text, int Start);

/// <summary>
/// Cuts text that arrives in pieces (as a language model writes it) into what can be spoken now: each sentence as soon
/// as it is complete — a Latin sentence end followed by whitespace (a final "." may still become "3.14"), a CJK one
/// at once, a line break — so the first audio leaves while the client is still sending. Text without an end is cut
/// at its last space once it is longer than <see cref="MaxPiece"/>; whatever is left goes on a flush.
/// </summary>
public sealed class TextSegmenter
{
    /// <summary>The longest piece made without a sentence end (a job's text stays short: its first audio comes soon).</summary>
    public const int MaxPiece = 300;

    private readonly StringBuilder _buffer = new();
    private int _consumed; // code points already taken out of the buffer, with the whitespace between pieces

    /// <summary>Characters (UTF-16) waiting for a sentence end.</summary>
    public int Buffered => _buffer.Length;

    public void Append(string text) => _buffer.Append(text);

    /// <summary>The complete sentences buffered now (and over-long stretches), in order; the rest stays.</summary>
    public IReadOnlyList<TextPiece> TakeComplete()
    {
        var pieces = new List<TextPiece>();
        while (NextEnd() is int end)
        {
            Take(end, pieces);
        }
        while (_buffer.Length > MaxPiece)
        {
            string head = _buffer.ToString(0, MaxPiece);
            int space = head.LastIndexOf(' ');
            int cut = space > 0 ? space : MaxPiece - (char.IsHighSurrogate(head[^1]) ? 1 : 0);
            Take(cut, pieces);
        }
        return pieces;
    }

    /// <summary>Everything buffered, as one piece (null when only whitespace is left): a flush, an idle pause or the close.</summary>
    public TextPiece? TakeAll()
    {
        var pieces = new List<TextPiece>();
        Take(_buffer.Length, pieces);
        return pieces.Count > 0 ? pieces[0] : null;
    }

    /// <summary>The length of the buffer's first complete sentence (through its end mark), or null.</summary>
    private int? NextEnd()
    {
        for (int i = 0; i < _buffer.Length; i++)
        {
            char c = _buffer[i];
            bool cjk = c is '。' or '！' or '？' or '；' or '…';
            bool latin = c is '.' or '!' or '?' or ';' or ':' && i + 1 < _buffer.Length && char.IsWhiteSpace(_buffer[i + 1]);
            if (cjk || latin || c == '\n')
            {
                return i + 1;
            }
        }
        return null;
    }

    /// <summary>Moves the buffer's first <paramref name="length"/> characters out as a trimmed piece (if anything but whitespace).</summary>
    private void Take(int length, List<TextPiece> pieces)
    {
        string taken = _buffer.ToString(0, length);
        _buffer.Remove(0, length);
        string text = taken.Trim();
        if (text.Length > 0)
        {
            int leading = CodePoints(taken[..taken.IndexOf(text, StringComparison.Ordinal)]);
            pieces.Add(new TextPiece(text, _consumed + leading));
        }
        _consumed += CodePoints(taken);
    }

    private static int CodePoints(string text)
    {
        int count = 0;
        foreach (var _ in text.EnumerateRunes())
        {
            count++;
        }
        return count;
    }
}
