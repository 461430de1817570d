using System.Text.Json;

namespace Voice.Core.Jobs;

/// <summary>
/// A dialogue job's turns. The job's text is the turns' texts end to end (what admission and billing count, exactly
/// the sum of the turns); each turn names its voice and language and how many UTF-16 characters of that text it
/// speaks. <see cref="PauseMs"/> of silence separate consecutive turns.
/// </summary>
public sealed record DialogueScript(int PauseMs, IReadOnlyList<DialogueTurn> Turns)
{
    /// <summary>Each turn with where its text starts in the job's text and the text itself.</summary>
    public IEnumerable<(DialogueTurn Turn, int Start, string Text)> Split(string text)
    {
        int start = 0;
        foreach (var turn in Turns)
        {
            yield return (turn, start, text.Substring(start, turn.Length));
            start += turn.Length;
        }
    }

    /// <summary>Stored as <c>{"pause_ms": 350, "turns": [["voice", "language", length], …]}</c>.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("pause_ms", PauseMs);
            json.WriteStartArray("turns");
            foreach (var turn in Turns)
            {
                json.WriteStartArray();
                json.WriteStringValue(turn.Voice);
                json.WriteStringValue(turn.Language);
                json.WriteNumberValue(turn.Length);
                json.WriteEndArray();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static DialogueScript FromJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var turns = root.GetProperty("turns").EnumerateArray()
            .Select(t => new DialogueTurn(t[0].GetString()!, t[1].GetString()!, t[2].GetInt32()))
            .ToList();
        return new DialogueScript(root.GetProperty("pause_ms").GetInt32(), turns);
    }
}

/// <summary>One turn of a dialogue: its voice (a preset name or a voice profile id), its language, its text's length.</summary>
public sealed record DialogueTurn(string Voice, string Language, int Length);
