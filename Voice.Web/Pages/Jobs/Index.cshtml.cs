using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Voice.Web.Services;

namespace Voice.Web.Pages.Jobs;

/// <summary>The tenant's jobs, newest first: filter by status, page with "older".</summary>
public sealed class JobsModel(VoiceApiClient api) : PageModel
{
    public static readonly IReadOnlyList<string> Statuses = ["queued", "running", "completed", "failed", "canceled"];

    [FromQuery(Name = "status")]
    public string? Status { get; set; }

    [FromQuery(Name = "before")]
    public Guid? Before { get; set; }

    public TaskListView Tasks { get; private set; } = new([], null);

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        if (Status is not null && !Statuses.Contains(Status))
        {
            Status = null;
        }
        Tasks = await api.ListTasksAsync(Status, Before, cancellationToken);
    }
}
