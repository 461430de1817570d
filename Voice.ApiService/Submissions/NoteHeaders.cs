using System.Text;

namespace Voice.ApiService.Submissions;

/// <summary>
/// Notes to the client in response headers, for answers whose body cannot carry them (streamed audio): the fields a
/// request carried that were ignored, and the engine's warnings. Whatever the request held, a header stays small and
/// valid: at most <see cref="MaxItems"/> items (then <c>+N more</c>), each cut to <see cref="MaxItemLength"/>
/// characters (ending in <c>...</c>), separated by <c>", "</c>; in an item, control and non-ASCII characters,
/// <c>%</c> and <c>,</c> are percent-encoded as UTF-8, so any URL decoder restores it.
/// </summary>
public static class NoteHeaders
{
    public const string IgnoredFields = "X-Voice-Ignored-Fields";
    public const string Warnings = "X-Voice-Warnings";
    public const int MaxItems = 16, MaxItemLength = 160;

    /// <summary>Sets the header to <paramref name="items"/>; nothing when there are none.</summary>
    public static void Set(HttpResponse response, string header, IReadOnlyCollection<string>? items)
    {
        if (items is { Count: > 0 })
        {
            response.Headers[header] = Format(items);
        }
    }

    public static string Format(IReadOnlyCollection<string> items)
    {
        string list = string.Join(", ", items.Take(MaxItems).Select(Encode));
        return items.Count > MaxItems ? $"{list}, +{items.Count - MaxItems} more" : list;
    }

    private static string Encode(string item)
    {
        var encoded = new StringBuilder();
        int cut = 0; // where to cut, leaving room for the "..."
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in item.EnumerateRunes())
        {
            if (rune.Value is >= 0x20 and < 0x7F and not ('%' or ','))
            {
                encoded.Append((char)rune.Value);
            }
            else
            {
                Escape(encoded, rune, utf8);
            }
            cut = encoded.Length <= MaxItemLength - 3 ? encoded.Length : cut;
            if (encoded.Length > MaxItemLength)
            {
                return encoded.ToString(0, cut) + "...";
            }
        }
        return encoded.ToString();
    }

    private static void Escape(StringBuilder encoded, Rune rune, Span<byte> utf8)
    {
        int length = rune.EncodeToUtf8(utf8);
        foreach (byte b in utf8[..length])
        {
            encoded.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
