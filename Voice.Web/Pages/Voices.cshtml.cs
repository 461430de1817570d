using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Voice.Web.Services;

namespace Voice.Web.Pages;

/// <summary>
/// The voice library: a card with a sample for every preset and voice, filtered by language and gender; design a
/// voice as candidates to hear and keep one; clone one from a recording (with the speaker's consent). Each form
/// shows only while a live model makes its kind of voice, and is disabled, saying why, at the plan's voice limit.
/// Every form posts, then redirects (post/redirect/get); a refused form comes back filled, its errors by their fields.
/// </summary>
[RequestSizeLimit(12 * 1024 * 1024)] // a 10 MB recording and the form around it
[RequestFormLimits(MultipartBodyLengthLimit = 12 * 1024 * 1024)]
public sealed class VoicesModel(VoiceApiClient api, VoicePreviewCache previews) : PageModel
{
    /// <summary>What the uploader attests; stored with the voice as its consent statement.</summary>
    public const string ConsentStatement = "The person speaking in this recording agreed that their voice may be cloned for use in this workspace.";

    /// <summary>Shorter descriptions give the designer nothing to go on (a one-letter one used to be accepted).</summary>
    public const int MinDescription = 10;

    public static readonly IReadOnlyList<string> Genders = ["female", "male", "neutral"];

    public VoiceLibraryView Library { get; private set; } = new([], []);

    public IReadOnlyList<VoiceCard> Voices { get; private set; } = [];

    public IReadOnlyList<VoiceCard> Presets { get; private set; } = [];

    public PlanView? Plan { get; private set; }

    /// <summary>Which forms to show and the languages each lists.</summary>
    public ModelOffer Offer { get; private set; } = new(null, PlaygroundModel.Languages);

    public string? Error { get; private set; }

    /// <summary>Messages by field (<c>description</c>, <c>recording</c>, …), shown next to it.</summary>
    public Dictionary<string, string> FieldErrors { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The form that was posted and refused ("design" or "clone"): only it shows what was typed.</summary>
    public string? Posted { get; private set; }

    /// <summary>The voice just created or kept, with what the engine and the quality check said.</summary>
    public VoiceView? Created { get; private set; }

    /// <summary>The design whose candidates are on offer.</summary>
    public VoiceDesignView? Design { get; private set; }

    [BindProperty] public string Name { get; set; } = "";
    [BindProperty] public string Description { get; set; } = "";
    [BindProperty] public string Language { get; set; } = "en";
    [BindProperty] public int Candidates { get; set; } = 3;
    [BindProperty] public string? ReferenceText { get; set; }
    [BindProperty] public bool Consent { get; set; }
    [BindProperty] public IFormFile? Recording { get; set; }

    [FromQuery(Name = "created")] public Guid? CreatedId { get; set; }
    [FromQuery(Name = "design")] public Guid? DesignId { get; set; }
    [FromQuery(Name = "deleted")] public string? Deleted { get; set; }
    [FromQuery(Name = "lang")] public string? FilterLanguage { get; set; }
    [FromQuery(Name = "gender")] public string? FilterGender { get; set; }

    public int VoiceCount => Library.Voices.Length;

    public bool AtLimit => Plan is { } plan && VoiceCount >= plan.MaxVoices;

    /// <summary>Three to choose from, unless the plan runs fewer jobs at once (each candidate's preview is a job).</summary>
    public int DefaultCandidates => Math.Clamp(Plan?.MaxConcurrentJobs ?? 3, 1, 3);

    public bool Filtered => FilterLanguage is not null || FilterGender is not null;

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        Created = CreatedId is { } id ? await api.GetVoiceAsync(id.ToString(), cancellationToken) : null;
    }

    public async Task<IActionResult> OnPostDesignAsync(CancellationToken cancellationToken)
    {
        Posted = "design";
        if ((Description?.Trim().Length ?? 0) < MinDescription)
        {
            FieldErrors["description"] = $"Describe the voice in at least {MinDescription} characters: who speaks, and how (e.g. \"a warm, low-pitched male narrator\").";
        }
        else
        {
            var (design, problem) = await api.CreateDesignAsync(Description!.Trim(), Language, NameOrNull(), Math.Clamp(Candidates, 1, 4), cancellationToken);
            if (design is not null)
            {
                return RedirectToPage(new { design = design.Id });
            }
            Refused(problem);
        }
        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostKeepAsync(Guid designId, Guid voiceId, CancellationToken cancellationToken)
    {
        var (voice, problem) = await api.KeepCandidateAsync(designId, voiceId, NameOrNull(), cancellationToken);
        if (voice is not null)
        {
            return RedirectToPage(new { created = voice.Id });
        }
        Error = problem?.Message ?? "The candidate could not be kept.";
        DesignId = designId;
        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostDiscardAsync(Guid designId, CancellationToken cancellationToken)
    {
        await api.DiscardDesignAsync(designId, cancellationToken); // already gone (expired) is as good as discarded
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostCloneAsync(CancellationToken cancellationToken)
    {
        Posted = "clone";
        if (Recording is not { Length: > 0 })
        {
            FieldErrors["recording"] = "Choose a recording of the speaker (WAV, MP3, Ogg or FLAC; 3–60 s).";
        }
        if (!Consent)
        {
            FieldErrors["consent"] = "Confirm that the speaker agreed to have their voice cloned.";
        }
        if (FieldErrors.Count == 0)
        {
            await using var audio = Recording!.OpenReadStream();
            var (voice, problem) = await api.CloneVoiceAsync(audio, Recording.FileName, Recording.ContentType, NameOrNull() ?? "Cloned voice", ReferenceText,
                ConsentStatement, Language, cancellationToken);
            if (voice is not null)
            {
                return RedirectToPage(new { created = voice.Id });
            }
            Refused(problem, fallbackField: "recording");
        }
        await LoadAsync(cancellationToken);
        return Page();
    }

    /// <summary>The first error for a field of the posted form, if any.</summary>
    public string? ErrorFor(string form, string field) => Posted == form && FieldErrors.TryGetValue(field, out var message) ? message : null;

    /// <summary>What a field of the posted form held (other forms start empty).</summary>
    public string? Kept(string form, string? value) => Posted == form ? value : null;

    public static string LanguageName(string code) =>
        PlaygroundModel.Languages.FirstOrDefault(l => l.Code == code).Name ?? code;

    private string Tenant => User.FindFirst(PortalClaims.TenantSlug)?.Value ?? "";

    /// <summary>The API's validation errors go next to their fields; anything else (a limit, a poor recording) above the form.</summary>
    private void Refused(ProblemBody? problem, string? fallbackField = null)
    {
        string[] fields = ["description", "name", "language", "candidates", "reference_text", "consent", "audio"];
        if (problem?.Errors is { Count: > 0 } errors)
        {
            foreach (var (field, messages) in errors)
            {
                string key = field == "audio" ? "recording" : field;
                if (fields.Contains(field, StringComparer.OrdinalIgnoreCase))
                {
                    FieldErrors[key] = string.Join(" ", messages);
                }
            }
        }
        if (FieldErrors.Count == 0)
        {
            string message = problem?.Message ?? "The request failed.";
            if (fallbackField is not null && problem?.Type?.Contains("limit", StringComparison.Ordinal) != true)
            {
                FieldErrors[fallbackField] = message; // a refused recording is the recording's problem
            }
            else
            {
                Error = message;
            }
        }
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var library = api.GetVoiceLibraryAsync(cancellationToken);
        var models = api.ListModelsAsync(cancellationToken);
        var plan = api.GetPlanAsync(cancellationToken);
        var design = DesignId is { } id ? api.GetDesignAsync(id, cancellationToken) : Task.FromResult<VoiceDesignView?>(null);
        await Task.WhenAll(library, models, plan, design);
        (Library, Plan, Design) = (library.Result, plan.Result, design.Result);
        Offer = new ModelOffer(models.Result, PlaygroundModel.Languages);
        foreach (var candidate in Design?.Candidates ?? [])
        {
            if (candidate.PreviewTaskId is { } task)
            {
                previews.Remember(Tenant, candidate.VoiceId.ToString(), null, task);
            }
        }
        FilterLanguage = string.IsNullOrEmpty(FilterLanguage) ? null : FilterLanguage;
        FilterGender = Genders.Contains(FilterGender) ? FilterGender : null;
        Voices = [.. Library.Voices.Select(VoiceCard.From)
            .Where(v => (FilterLanguage is null || v.Language == FilterLanguage) && FilterGender is null)];
        Presets = [.. Library.Presets
            .Where(p => (FilterLanguage is null || p.Languages is null || p.Languages.Contains(FilterLanguage)) && (FilterGender is null || p.Gender == FilterGender))
            .Select(p => VoiceCard.From(p, FilterLanguage ?? "en"))];
    }

    private string? NameOrNull() => string.IsNullOrWhiteSpace(Name) ? null : Name.Trim();
}
