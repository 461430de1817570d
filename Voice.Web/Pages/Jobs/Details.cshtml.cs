using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Voice.Web.Services;

namespace Voice.Web.Pages.Jobs;

/// <summary>One job: its request, timings, result or error; play and download it, or cancel it while it waits or runs.</summary>
public sealed class DetailsModel(VoiceApiClient api) : PageModel
{
    [FromRoute]
    public Guid Id { get; set; }

    [FromQuery(Name = "canceled")]
    public bool Canceled { get; set; }

    public TaskView? Task { get; private set; }

    public string? Message { get; private set; }

    /// <summary>The voice's name (null: the voice is gone, its id is shown).</summary>
    public string? VoiceName { get; private set; }

    public string FileName => PortalFormat.AudioFileName(VoiceName ?? "voice", null, Task?.CreatedAt ?? default, Task?.Request?.Format ?? "wav");

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        // Another tenant's id is simply not found: the API decides, and says the same for both.
        Task = await api.GetTaskAsync(Id, cancellationToken);
        if (Task is null)
        {
            return NotFound();
        }
        Message = Canceled ? "Cancel requested." : null;
        if (Task.Request?.Voice is { } voice)
        {
            VoiceName = (await api.GetVoiceAsync(voice, cancellationToken))?.Name;
        }
        return Page();
    }

    public async Task<IActionResult> OnPostCancelAsync(CancellationToken cancellationToken)
    {
        if (await api.CancelTaskAsync(Id, cancellationToken) is { } problem)
        {
            Task = await api.GetTaskAsync(Id, cancellationToken);
            if (Task is null)
            {
                return NotFound();
            }
            Error = problem.Message;
            return Page();
        }
        return RedirectToPage(new { id = Id, canceled = true });
    }
}
