using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Voice.Web.Services;

namespace Voice.Web.Pages;

/// <summary>
/// Try a voice: submit through the API, follow the task live (SSE, polling where a browser cannot), play and
/// download the result, and see the same request as curl and OpenAI-client code. It offers the live models (or the
/// automatic choice by the voice) and the languages they speak.
/// </summary>
public sealed class PlaygroundModel(VoiceApiClient api, IConfiguration configuration, Microsoft.Extensions.Options.IOptions<PortalOptions> portal) : PageModel
{
    public static readonly IReadOnlyList<(string Code, string Name)> Languages =
    [
        ("en", "English"), ("zh", "Chinese"), ("ja", "Japanese"), ("ko", "Korean"), ("de", "German"),
        ("fr", "French"), ("ru", "Russian"), ("pt", "Portuguese"), ("es", "Spanish"), ("it", "Italian"),
    ];

    public static readonly IReadOnlyList<string> Formats = ["wav", "mp3", "opus", "flac", "aac"];

    private static readonly JsonSerializerOptions SnippetJson = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    [BindProperty]
    [Required]
    [StringLength(5000)]
    public string Text { get; set; } = "Hello! This is Voice, speaking from the playground.";

    [BindProperty]
    public string Voice { get; set; } = "alloy";

    [BindProperty]
    public string Language { get; set; } = "en";

    [BindProperty]
    public string Format { get; set; } = "wav";

    [BindProperty]
    [Range(0.5, 2.0)]
    public float Speed { get; set; } = 1;

    /// <summary>The live model to use (its id); null: the API chooses by the voice.</summary>
    [BindProperty]
    public string? ModelId { get; set; }

    [FromQuery(Name = "task")]
    public Guid? TaskId { get; set; }

    public IReadOnlyList<VoiceView> Voices { get; private set; } = [];

    public ModelOffer Offer { get; private set; } = new(null, Languages);

    public string? Error { get; private set; }

    /// <summary>Where clients reach the API (for the snippets): configured, else the address service discovery gives the portal.</summary>
    public string PublicApiUrl => (portal.Value.PublicApiUrl ?? configuration["services:api:http:0"] ?? "https://api.example.com").TrimEnd('/');

    public Task OnGetAsync(CancellationToken cancellationToken) => LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        if (!ModelState.IsValid)
        {
            Error = ModelState[nameof(Speed)]?.Errors.Count > 0 ? "Speed is between 0.5 and 2." : "Please enter up to 5,000 characters of text.";
            return Page();
        }
        var (accepted, problem) = await api.GenerateAsync(new GenerateInput(Text, Language, Voice, Format, Speed, ModelId), cancellationToken);
        if (accepted is null)
        {
            Error = problem?.Message is { Length: > 0 } message ? message : "The request failed.";
            return Page();
        }
        return RedirectToPage(new { task = accepted.TaskId });
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Voices = await api.ListVoicesAsync(cancellationToken);
        Offer = new ModelOffer(await api.ListModelsAsync(cancellationToken), Languages);
    }

    private string RequestJson() =>
        JsonSerializer.Serialize(new { text = Text, voice = Voice, language = Language, format = Format, speed = Speed, model = ModelId }, SnippetJson);

    public string CurlSnippet() =>
        $"curl -X POST '{PublicApiUrl}/api/v1/voice/generate' \\\n" +
        "  -H \"Authorization: Bearer $VOICE_API_KEY\" \\\n" +
        "  -H 'Content-Type: application/json' \\\n" +
        $"  -d '{RequestJson().Replace("'", "'\\''", StringComparison.Ordinal)}'";

    public string OpenAiSnippet() => string.Create(CultureInfo.InvariantCulture,
        $"""
        import os
        from openai import OpenAI

        client = OpenAI(base_url="{PublicApiUrl}/v1", api_key=os.environ["VOICE_API_KEY"])
        with client.audio.speech.with_streaming_response.create(
            model={JsonSerializer.Serialize(ModelId ?? "tts-1")}, voice={JsonSerializer.Serialize(Voice)}, input={JsonSerializer.Serialize(Text)},
            response_format="{Format}", speed={Speed},
        ) as response:
            response.stream_to_file("speech.{Format}")
        """);
}
