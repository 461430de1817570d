using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Voice.Web.Services;

namespace Voice.Web.Pages;

/// <summary>
/// Try a voice: submit through the API, follow the task live (SSE, polling where a browser cannot), play and
/// download the result, and see the same request as curl and OpenAI-client code.
/// </summary>
public sealed class PlaygroundModel(VoiceApiClient api, IConfiguration configuration, Microsoft.Extensions.Options.IOptions<PortalOptions> portal) : PageModel
{
    public static readonly IReadOnlyList<(string Code, string Name)> Languages =
    [
        ("en", "English"), ("zh", "Chinese"), ("ja", "Japanese"), ("ko", "Korean"), ("de", "German"),
        ("fr", "French"), ("ru", "Russian"), ("pt", "Portuguese"), ("es", "Spanish"), ("it", "Italian"),
    ];

    public static readonly IReadOnlyList<string> Formats = ["wav", "mp3", "opus", "flac", "aac"];

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

    [FromQuery(Name = "task")]
    public Guid? TaskId { get; set; }

    public IReadOnlyList<VoiceView> Voices { get; private set; } = [];

    public string? Error { get; private set; }

    /// <summary>Where clients reach the API (for the snippets): configured, else the address service discovery gives the portal.</summary>
    public string PublicApiUrl => (portal.Value.PublicApiUrl ?? configuration["services:api:http:0"] ?? "https://api.example.com").TrimEnd('/');

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Voices = await api.ListVoicesAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        Voices = await api.ListVoicesAsync(cancellationToken);
        if (!ModelState.IsValid)
        {
            Error = ModelState[nameof(Speed)]?.Errors.Count > 0 ? "Speed is between 0.5 and 2." : "Please enter up to 5,000 characters of text.";
            return Page();
        }
        var (accepted, problem) = await api.GenerateAsync(new GenerateInput(Text, Language, Voice, Format, Speed), cancellationToken);
        if (accepted is null)
        {
            Error = problem?.Message is { Length: > 0 } message ? message : "The request failed.";
            return Page();
        }
        return RedirectToPage(new { task = accepted.TaskId });
    }

    private string RequestJson() => JsonSerializer.Serialize(new { text = Text, voice = Voice, language = Language, format = Format, speed = Speed });

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
            model="tts-1", voice={JsonSerializer.Serialize(Voice)}, input={JsonSerializer.Serialize(Text)},
            response_format="{Format}", speed={Speed},
        ) as response:
            response.stream_to_file("speech.{Format}")
        """);
}
