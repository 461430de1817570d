using System.Text.Json;
using System.Text.Json.Serialization;

namespace Voice.ApiService.Model;

/// <summary>
/// Reads OpenAI's <c>voice</c>, a string or an object with an <c>id</c> (other members of the object are skipped).
/// Any other shape reads as a choice without an id, so validation refuses it naming <c>voice</c> rather than as
/// malformed JSON. The id is checked like every string the API reads (<see cref="StorableStringConverter"/>).
/// </summary>
public sealed class OpenAiVoiceConverter : JsonConverter<OpenAiVoiceChoice>
{
    public override OpenAiVoiceChoice? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = (JsonConverter<string>)options.GetConverter(typeof(string));
        if (reader.TokenType == JsonTokenType.String)
        {
            return new OpenAiVoiceChoice(text.Read(ref reader, typeof(string), options));
        }
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return new OpenAiVoiceChoice(null);
        }
        string? id = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isId = reader.ValueTextEquals("id"u8);
            reader.Read();
            if (isId && reader.TokenType == JsonTokenType.String)
            {
                id = text.Read(ref reader, typeof(string), options);
            }
            else
            {
                reader.Skip();
            }
        }
        return new OpenAiVoiceChoice(id);
    }

    public override void Write(Utf8JsonWriter writer, OpenAiVoiceChoice value, JsonSerializerOptions options) => writer.WriteStringValue(value.Id);
}
