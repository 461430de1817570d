using System.Globalization;

namespace Voice.Audio.Encoding;

/// <summary>What a result file says about itself in its container's native tags.</summary>
public sealed record AudioMetadata(string? Engine, string? Model, string? Voice, string? TaskId, DateTimeOffset CreatedAt, string? ContentSha256)
{
    public static AudioMetadata None { get; } = new(null, null, null, null, DateTimeOffset.UnixEpoch, null);

    /// <summary>The tags as name/value pairs (Vorbis-comment style names), skipping empty ones.</summary>
    public IEnumerable<(string Name, string Value)> Tags()
    {
        if (Engine is not null)
        {
            yield return ("ENCODED_BY", $"Voice ({Engine}{(Model is null ? "" : " / " + Model)})");
            yield return ("VOICE_ENGINE", Engine);
        }
        if (Model is not null)
        {
            yield return ("VOICE_MODEL", Model);
        }
        if (Voice is not null)
        {
            yield return ("VOICE_ID", Voice);
        }
        if (TaskId is not null)
        {
            yield return ("VOICE_TASK", TaskId);
        }
        if (CreatedAt != DateTimeOffset.UnixEpoch)
        {
            yield return ("DATE", CreatedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        }
        if (ContentSha256 is not null)
        {
            yield return ("VOICE_CONTENT_SHA256", ContentSha256);
        }
    }
}
