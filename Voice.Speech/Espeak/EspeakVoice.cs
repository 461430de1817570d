using System.Text.Json;
using System.Text.Json.Serialization;

namespace Voice.Speech.Espeak;

/// <summary>
/// The embedded engine's reusable prompt: an espeak-ng voice variant and its prosody parameters. Pitch and
/// range are espeak's 0–99 scales (relative to the variant's own pitch band); rate is words per minute.
/// Serialised as JSON in the voice profile.
/// </summary>
public sealed record EspeakVoice(
    [property: JsonPropertyName("variant")] string Variant,
    [property: JsonPropertyName("pitch")] int Pitch,
    [property: JsonPropertyName("range")] int Range,
    [property: JsonPropertyName("rate")] int Rate,
    [property: JsonPropertyName("volume")] int Volume = 100)
{
    public const int DefaultRate = 175;

    /// <summary>The variants a voice may use: espeak's male and female voices, and the breathy and synthetic ones.</summary>
    public static readonly IReadOnlySet<string> Variants = new HashSet<string>(StringComparer.Ordinal)
    {
        "m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5", "whisper", "whisperf", "robosoft", "klatt",
    };

    /// <summary>Clamps every parameter into espeak's accepted ranges (a volume over 200 clips).</summary>
    public EspeakVoice Clamped() => this with
    {
        Variant = Variants.Contains(Variant) ? Variant : "m3",
        Pitch = Math.Clamp(Pitch, 0, 99),
        Range = Math.Clamp(Range, 0, 99),
        Rate = Math.Clamp(Rate, 80, 450),
        Volume = Math.Clamp(Volume, 20, 180),
    };

    public byte[] Serialize() => JsonSerializer.SerializeToUtf8Bytes(this, EspeakJsonContext.Default.EspeakVoice);

    /// <summary>Reads a stored prompt; anything unreadable is an error the caller reports (a corrupt profile).</summary>
    public static EspeakVoice Deserialize(ReadOnlySpan<byte> data) =>
        (JsonSerializer.Deserialize(data, EspeakJsonContext.Default.EspeakVoice) ?? throw new FormatException("Empty espeak voice prompt.")).Clamped();
}

[JsonSerializable(typeof(EspeakVoice))]
internal sealed partial class EspeakJsonContext : JsonSerializerContext;
