using System.Globalization;
using System.Text.Json;

namespace Voice.Web.Services;

/// <summary>A playground request as code that writes the audio to a file (<c>POST /v1/audio/speech</c>); the key stays a placeholder.</summary>
public sealed record PlaygroundSnippets(string Api, string Text, string Voice, string Language, string Format, float Speed, string? Model)
{
    private static readonly JsonSerializerOptions Compact = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private string ModelName => Model is { Length: > 0 } model ? model : "tts-1";

    private string SpeedText => Speed.ToString(CultureInfo.InvariantCulture);

    private string FileName => $"speech.{Format}";

    private static string Quote(string value) => JsonSerializer.Serialize(value, Compact);

    private string Body() => string.Create(CultureInfo.InvariantCulture,
        $$"""{"model":{{Quote(ModelName)}},"input":{{Quote(Text)}},"voice":{{Quote(Voice)}},"language":{{Quote(Language)}},"response_format":{{Quote(Format)}},"speed":{{SpeedText}}}""");

    public string Curl() =>
        $"curl -X POST '{Api}/v1/audio/speech' \\\n" +
        "  -H \"Authorization: Bearer $VOICE_API_KEY\" \\\n" +
        "  -H 'Content-Type: application/json' \\\n" +
        $"  -d '{Body().Replace("'", "'\\''", StringComparison.Ordinal)}' \\\n" +
        $"  -o {FileName}";

    public string Python() =>
        $"""
        import os
        from openai import OpenAI

        client = OpenAI(base_url="{Api}/v1", api_key=os.environ["VOICE_API_KEY"])
        with client.audio.speech.with_streaming_response.create(
            model={Quote(ModelName)}, voice={Quote(Voice)}, input={Quote(Text)},
            response_format={Quote(Format)}, speed={SpeedText}, extra_body={"{"}"language": {Quote(Language)}{"}"},
        ) as response:
            response.stream_to_file("{FileName}")
        """;

    public string JavaScript() =>
        $$"""
        // Node 18 or later: node speech.mjs
        import { writeFile } from "node:fs/promises";

        const response = await fetch("{{Api}}/v1/audio/speech", {
          method: "POST",
          headers: { Authorization: `Bearer ${process.env.VOICE_API_KEY}`, "Content-Type": "application/json" },
          body: JSON.stringify({{Body()}}),
        });
        if (!response.ok) throw new Error(await response.text());
        await writeFile("{{FileName}}", Buffer.from(await response.arrayBuffer()));
        """;

    public string CSharp() =>
        $$""""
        using System.Net.Http.Headers;
        using System.Text;

        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Environment.GetEnvironmentVariable("VOICE_API_KEY"));
        var body = new StringContent("""{{Body()}}""", Encoding.UTF8, "application/json");
        using var response = await http.PostAsync("{{Api}}/v1/audio/speech", body);
        response.EnsureSuccessStatusCode();
        await using var file = File.Create("{{FileName}}");
        await response.Content.CopyToAsync(file);
        """";
}
