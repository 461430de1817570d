using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Voice.Web.Services;

namespace Voice.Web.Pages;

/// <summary>
/// The voice library: the presets and the tenant's voices; design one from a description, clone one from a
/// recording (with the speaker's consent), delete one. Each form shows only while a live model makes its kind of voice.
/// </summary>
[RequestSizeLimit(12 * 1024 * 1024)] // a 10 MB recording and the form around it
[RequestFormLimits(MultipartBodyLengthLimit = 12 * 1024 * 1024)]
public sealed class VoicesModel(VoiceApiClient api) : PageModel
{
    /// <summary>What the uploader attests; stored with the voice as its consent statement.</summary>
    public const string ConsentStatement = "The person speaking in this recording agreed that their voice may be cloned for use in this workspace.";

    public VoiceListView Library { get; private set; } = new([], []);

    /// <summary>Which forms to show and the languages each lists.</summary>
    public ModelOffer Offer { get; private set; } = new(null, PlaygroundModel.Languages);

    public string? Error { get; private set; }

    /// <summary>The voice just created, with what the engine and the quality check said.</summary>
    public VoiceView? Created { get; private set; }

    [BindProperty]
    public string Name { get; set; } = "";

    [BindProperty]
    public string Description { get; set; } = "";

    [BindProperty]
    public string Language { get; set; } = "en";

    [BindProperty]
    public string? ReferenceText { get; set; }

    [BindProperty]
    public bool Consent { get; set; }

    [BindProperty]
    public IFormFile? Recording { get; set; }

    /// <summary>The voice a POST just created (post/redirect/get: reloading the page never creates it again).</summary>
    [FromQuery(Name = "created")]
    public Guid? CreatedId { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        Created = CreatedId is { } id ? await api.GetVoiceAsync(id.ToString(), cancellationToken) : null;
    }

    public async Task<IActionResult> OnPostDesignAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(Description))
        {
            Error = "Describe the voice, e.g. \"a warm, low-pitched male narrator\".";
        }
        else
        {
            var (voice, problem) = await api.DesignVoiceAsync(NameOr("Designed voice"), Description.Trim(), Language, cancellationToken);
            if (voice is not null)
            {
                return RedirectToPage(new { created = voice.Id });
            }
            Error = problem?.Message ?? "The request failed.";
        }
        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostCloneAsync(CancellationToken cancellationToken)
    {
        if (Recording is not { Length: > 0 })
        {
            Error = "Choose a recording of the speaker (WAV, MP3, Ogg or FLAC; 3–60 s).";
        }
        else if (!Consent)
        {
            Error = "Confirm that the speaker agreed to have their voice cloned.";
        }
        else
        {
            await using var audio = Recording.OpenReadStream();
            var (voice, problem) = await api.CloneVoiceAsync(audio, Recording.FileName, Recording.ContentType, NameOr("Cloned voice"), ReferenceText,
                ConsentStatement, Language, cancellationToken);
            if (voice is not null)
            {
                return RedirectToPage(new { created = voice.Id });
            }
            Error = problem?.Message ?? "The request failed.";
        }
        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostDeleteAsync(string id, CancellationToken cancellationToken)
    {
        if (!await api.DeleteVoiceAsync(id, cancellationToken))
        {
            Error = "The voice could not be deleted.";
            await LoadAsync(cancellationToken);
            return Page();
        }
        return RedirectToPage();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Library = await api.ListVoiceLibraryAsync(cancellationToken);
        Offer = new ModelOffer(await api.ListModelsAsync(cancellationToken), PlaygroundModel.Languages);
    }

    private string NameOr(string fallback) => string.IsNullOrWhiteSpace(Name) ? fallback : Name.Trim();
}
