using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Voice.Web.Services;

namespace Voice.Web.Pages;

/// <summary>The step before a voice is deleted: what goes with it, and one button to confirm (no script needed).</summary>
public sealed class VoiceDeleteModel(VoiceApiClient api) : PageModel
{
    public VoiceView? Voice { get; private set; }

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken cancellationToken)
    {
        Voice = await api.GetVoiceAsync(id, cancellationToken);
        return Voice is null ? NotFound() : Page();
    }

    public async Task<IActionResult> OnPostAsync(string id, CancellationToken cancellationToken)
    {
        Voice = await api.GetVoiceAsync(id, cancellationToken);
        if (Voice is null)
        {
            return RedirectToPage("/Voices"); // already gone
        }
        if (await api.DeleteVoiceAsync(id, cancellationToken))
        {
            return RedirectToPage("/Voices", new { deleted = Voice.Name });
        }
        Error = "The voice could not be deleted; try again.";
        return Page();
    }
}
