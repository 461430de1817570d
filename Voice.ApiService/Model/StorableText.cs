using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Voice.ApiService.Model;

/// <summary>
/// Text a tenant sends must be storable and speakable: no NUL or other C0/C1 control characters (tab, line feed
/// and carriage return are fine), no unpaired surrogates, no Unicode non-characters. Postgres refuses NUL outright;
/// the rest corrupts what clients read back. Checked where text enters the API, so it answers 400 naming the
/// position instead of failing deeper (and, in a group commit, failing other tenants' rows with it).
/// </summary>
public static class StorableText
{
    /// <summary>The first character that may not be stored, as "U+0000 at index 12", or null when the text is fine.</summary>
    public static string? FirstForbidden(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                int scalar = char.ConvertToUtf32(c, text[i + 1]);
                if ((scalar & 0xFFFE) == 0xFFFE)
                {
                    return Describe(scalar, i);
                }
                i++;
            }
            else if (char.IsSurrogate(c) || (char.IsControl(c) && c is not ('\t' or '\n' or '\r')) || c is >= '\uFDD0' and <= '\uFDEF' || (c & 0xFFFE) == 0xFFFE)
            {
                return Describe(c, i);
            }
        }
        return null;
    }

    private static string Describe(int scalar, int index) =>
        string.Create(CultureInfo.InvariantCulture, $"U+{scalar:X4} at index {index}");

    public const string Rule = "Text may not contain NUL or other control characters (except tab and line breaks), unpaired surrogates or non-characters.";
}

/// <summary>A string the API refuses, with a message written for the client (unlike the serializer's own).</summary>
public sealed class StorableTextException(string message) : JsonException(message);

/// <summary>Applies <see cref="StorableText"/> to every string the API reads from JSON.</summary>
public sealed class StorableStringConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.String => Checked(ref reader),
        _ => throw new StorableTextException($"Expected a string, found {reader.TokenType.ToString().ToLowerInvariant()}."),
    };

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => Checked(ref reader);

    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WritePropertyName(value);

    private static string Checked(ref Utf8JsonReader reader)
    {
        string value;
        try
        {
            value = reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new StorableTextException("A string holds an unpaired surrogate escape. " + StorableText.Rule);
        }
        return StorableText.FirstForbidden(value) is { } forbidden
            ? throw new StorableTextException($"The string has {forbidden}. {StorableText.Rule}")
            : value;
    }
}
