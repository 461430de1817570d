using System.Globalization;
using System.Text.RegularExpressions;

namespace Voice.ApiService.Apis;

/// <summary>
/// OpenAI's speech model names, which a client may send in <c>model</c>: the aliases and their dated or numbered
/// snapshots (<c>gpt-4o-mini-tts-2025-03-20</c>, <c>tts-1-1106</c>, <c>tts-1-hd-1106</c>), so a client pinned to a
/// snapshot works unchanged. None names a pool: the router chooses one by the voice.
/// </summary>
public static partial class OpenAiModelNames
{
    public static readonly IReadOnlyList<string> Aliases = ["tts-1", "tts-1-hd", "gpt-4o-mini-tts"];

    public static bool IsOpenAis(string? model) =>
        model is not null && Snapshot().Match(model) is { Success: true } match
        && (match.Groups["date"] is not { Success: true } date
            || DateOnly.TryParseExact(date.Value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _));

    // An alias, optionally followed by a snapshot's date (-YYYY-MM-DD) or its four-digit version (-1106).
    [GeneratedRegex(@"^(?:tts-1|tts-1-hd|gpt-4o-mini-tts)(?:-(?<date>[0-9]{4}-[0-9]{2}-[0-9]{2})|-[0-9]{4})?$", RegexOptions.CultureInvariant)]
    private static partial Regex Snapshot();
}
