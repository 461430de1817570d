using System.Globalization;
using System.Text;

namespace Voice.Web.Services;

// What the playground and the jobs pages read from the API beyond ApiViews (kept apart so areas merge cleanly).

/// <summary>A task as the list shows it: the start of its text and, once completed, its audio's length.</summary>
public sealed record TaskItemView(Guid TaskId, string Status, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt, TaskRequestView Request,
    string? TextPreview = null, double? DurationSeconds = null)
{
    /// <summary>Only speech and dialogue tasks make audio; a voice setup never has any.</summary>
    public bool HasAudio => Status == "completed" && Request.Kind is "speech" or "dialogue";

    public string KindLabel => Request.Kind switch
    {
        "speech" => "Speech",
        "dialogue" => "Dialogue",
        "voice" => "Voice setup",
        var other => other,
    };

    /// <summary>The end of the id: time-ordered ids share their start, so the end tells them apart.</summary>
    public string ShortId => TaskId.ToString()[^8..];
}

public sealed record TaskItemList(TaskItemView[] Data, Guid? NextBefore);

/// <summary>A usage record: what one job cost.</summary>
public sealed record JobCostRecord(Guid? JobId, decimal Cost, string Currency);

public sealed record JobCostPage(JobCostRecord[] Data, long? NextAfter);

/// <summary>How the portal writes amounts, lengths and file names.</summary>
public static class PortalFormat
{
    /// <summary>Money with its currency; small amounts (a few characters cost fractions of a cent) keep four decimals.</summary>
    public static string Money(decimal amount, string currency)
    {
        string number = amount.ToString(amount != 0 && Math.Abs(amount) < 0.01m ? "0.0000" : "0.00", CultureInfo.InvariantCulture);
        return currency switch
        {
            "USD" => "$" + number,
            "EUR" => "€" + number,
            "GBP" => "£" + number,
            _ => $"{number} {currency}",
        };
    }

    /// <summary>A length as 0:07 or 12:34.</summary>
    public static string Duration(double seconds)
    {
        var time = TimeSpan.FromSeconds(Math.Round(seconds));
        return time.TotalHours >= 1 ? time.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : time.ToString(@"m\:ss", CultureInfo.InvariantCulture);
    }

    /// <summary>The first few words of a text, for a list.</summary>
    public static string FirstWords(string? text, int words = 8)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return "";
        }
        string[] parts = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        string start = string.Join(' ', parts.Take(words)).TrimEnd('…');
        return parts.Length > words || text.EndsWith('…') ? start + "…" : start;
    }

    /// <summary>A download's name: <c>voice-&lt;voice&gt;-&lt;first words&gt;-&lt;date&gt;.&lt;format&gt;</c>, in letters, digits and dashes only.</summary>
    public static string AudioFileName(string voiceName, string? text, DateTimeOffset createdAt, string format)
    {
        string words = Slug(string.Join(' ', (text ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Take(5)), 40);
        string name = string.Join('-', new[] { "voice", Slug(voiceName, 30), words, createdAt.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) }
            .Where(p => p.Length > 0));
        return $"{name}.{Slug(format, 8)}";
    }

    /// <summary>Lower-case ASCII letters and digits, everything else one dash, at most <paramref name="max"/> characters.</summary>
    public static string Slug(string text, int max)
    {
        var slug = new StringBuilder();
        foreach (char c in text.Normalize(NormalizationForm.FormD))
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                slug.Append(char.ToLowerInvariant(c));
            }
            else if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark && slug.Length > 0 && slug[^1] != '-')
            {
                slug.Append('-');
            }
        }
        string result = slug.ToString();
        return (result.Length > max ? result[..max] : result).Trim('-');
    }
}
