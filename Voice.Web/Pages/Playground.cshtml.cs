using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Voice.Web.Services;

namespace Voice.Web.Pages;

/// <summary>
/// Try a voice: submit through the API, follow the task live (SSE, polling where a browser cannot), play and
/// download the result, and see the same request as code that writes the audio. The request survives the
/// generation (it comes back with the task); <c>?voice=</c> preselects a voice; the workspace's recent
/// generations are listed to replay and download.
/// </summary>
public sealed class PlaygroundModel(VoiceApiClient api, IConfiguration configuration, Microsoft.Extensions.Options.IOptions<PortalOptions> portal) : PageModel
{
    public static readonly IReadOnlyList<(string Code, string Name)> Languages =
    [
        ("en", "English"), ("zh", "Chinese"), ("ja", "Japanese"), ("ko", "Korean"), ("de", "German"),
        ("fr", "French"), ("ru", "Russian"), ("pt", "Portuguese"), ("es", "Spanish"), ("it", "Italian"),
    ];

    public static readonly IReadOnlyList<string> Formats = ["wav", "mp3", "opus", "flac", "aac"];

    public const int MaxText = 5000;

    private const string LastRequest = "playground.request";

    [BindProperty]
    [Required]
    [StringLength(MaxText)]
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

    /// <summary>A voice to start with (the voices page links here with it).</summary>
    [FromQuery(Name = "voice")]
    public string? StartVoice { get; set; }

    [TempData(Key = LastRequest)]
    public string? Remembered { get; set; }

    public IReadOnlyList<VoiceView> Voices { get; private set; } = [];

    public ModelOffer Offer { get; private set; } = new(null, Languages);

    public IReadOnlyList<TaskItemView> History { get; private set; } = [];

    /// <summary>The most one request may carry: the plan's limit, and never more than the form takes.</summary>
    public int TextLimit { get; private set; } = MaxText;

    /// <summary>Characters left this month (used and reserved counted); null: unlimited or not known.</summary>
    public long? CharactersLeft { get; private set; }

    public string? Error { get; private set; }

    /// <summary>Where clients reach the API (for the snippets): configured, else the address service discovery gives the portal.</summary>
    public string PublicApiUrl => (portal.Value.PublicApiUrl ?? configuration["services:api:http:0"] ?? "https://api.example.com").TrimEnd('/');

    public PlaygroundSnippets Snippets => new(PublicApiUrl, Text, Voice, Language, Format, Speed, ModelId);

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        if (TaskId is { } taskId)
        {
            await RestoreAsync(taskId, cancellationToken);
        }
        else if (StartVoice is { Length: > 0 })
        {
            Voice = StartVoice;
        }
        await LoadAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        if (!ModelState.IsValid)
        {
            Error = ModelState[nameof(Speed)]?.Errors.Count > 0 ? "Speed is between 0.5 and 2." : $"Please enter up to {TextLimit:N0} characters of text.";
            return Page();
        }
        var input = new GenerateInput(Text, Language, Voice, Format, Speed, string.IsNullOrEmpty(ModelId) ? null : ModelId);
        var (accepted, problem) = await api.GenerateAsync(input, cancellationToken);
        if (accepted is null)
        {
            Error = problem?.Message is { Length: > 0 } message ? message : "The request failed.";
            return Page();
        }
        Remembered = JsonSerializer.Serialize(new RememberedRequest(accepted.TaskId, input));
        return RedirectToPage(new { task = accepted.TaskId });
    }

    /// <summary>
    /// The request that made the task, back in the form: as it was sent (kept for the redirect), else what the task
    /// says of it (all but the text, which the task status does not carry).
    /// </summary>
    private async Task RestoreAsync(Guid taskId, CancellationToken cancellationToken)
    {
        if (Remembered is { } json && JsonSerializer.Deserialize<RememberedRequest>(json) is { } last && last.TaskId == taskId)
        {
            var input = last.Input;
            (Text, Voice, Language, Format, Speed, ModelId) = (input.Text, input.Voice, input.Language, input.Format, input.Speed, input.Model);
        }
        else if ((await api.GetTaskAsync(taskId, cancellationToken))?.Request is { } request)
        {
            (Voice, Language, Format, Speed) = (request.Voice, request.Language, request.Format, request.Speed);
        }
    }

    private sealed record RememberedRequest(Guid TaskId, GenerateInput Input);

    /// <summary>A voice's name for the history (a deleted voice keeps its id).</summary>
    public string VoiceName(string id) => Voices.FirstOrDefault(v => v.Id == id)?.Name ?? id;

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var voices = api.ListVoicesAsync(cancellationToken);
        var models = api.ListModelsAsync(cancellationToken);
        var plan = api.GetPlanAsync(cancellationToken);
        var quota = api.GetQuotaAsync(cancellationToken);
        var history = api.ListTaskItemsAsync(null, null, 20, cancellationToken);
        await Task.WhenAll(voices, models, plan, quota, history);
        Voices = voices.Result;
        Offer = new ModelOffer(models.Result, Languages);
        TextLimit = plan.Result is { MaxTextChars: > 0 } p ? Math.Min(MaxText, p.MaxTextChars) : MaxText;
        CharactersLeft = quota.Result is { MonthlyCharacters: { } monthly } q ? Math.Max(0, monthly - q.UsedCharacters - q.ReservedCharacters) : null;
        History = [.. history.Result.Data.Where(t => t.Request.Kind is "speech" or "dialogue").Take(8)];
    }
}
