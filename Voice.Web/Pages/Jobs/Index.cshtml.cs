using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Voice.Web.Services;

namespace Voice.Web.Pages.Jobs;

/// <summary>The tenant's jobs, newest first: what each was (kind, voice, text), its length and cost; filter by status, page with "older".</summary>
public sealed class JobsModel(VoiceApiClient api) : PageModel
{
    public static readonly IReadOnlyList<string> Statuses = ["queued", "running", "completed", "failed", "canceled"];

    [FromQuery(Name = "status")]
    public string? Status { get; set; }

    [FromQuery(Name = "before")]
    public Guid? Before { get; set; }

    public TaskItemList Tasks { get; private set; } = new([], null);

    public IReadOnlyDictionary<Guid, JobCostRecord> Costs { get; private set; } = new Dictionary<Guid, JobCostRecord>();

    private Dictionary<string, string> voiceNames = [];

    /// <summary>What the list says when it is empty: for a filter, that none matched it.</summary>
    public string EmptyMessage => (Status, Before) switch
    {
        (null, null) => "No jobs yet.",
        (null, _) => "No older jobs.",
        (var status, _) => $"No {status} jobs.",
    };

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        if (Status is not null && !Statuses.Contains(Status))
        {
            Status = null;
        }
        var tasks = api.ListTaskItemsAsync(Status, Before, 25, cancellationToken);
        var voices = api.ListVoiceLibraryAsync(cancellationToken);
        await Task.WhenAll(tasks, voices);
        Tasks = tasks.Result;
        voiceNames = voices.Result.Presets.Concat(voices.Result.Voices).GroupBy(v => v.Id).ToDictionary(g => g.Key, g => g.First().Name);
        if (Tasks.Data.Length > 0)
        {
            Costs = await api.ListJobCostsAsync(Tasks.Data.Min(t => t.CreatedAt).AddMinutes(-1), cancellationToken);
        }
    }

    /// <summary>A voice's name; a deleted voice says so (its id is in the title).</summary>
    public string VoiceName(string id) => voiceNames.TryGetValue(id, out var name) ? name : Guid.TryParse(id, out _) ? "deleted voice" : id;

    public string? Cost(Guid taskId) => Costs.TryGetValue(taskId, out var cost) ? PortalFormat.Money(cost.Cost, cost.Currency) : null;
}
