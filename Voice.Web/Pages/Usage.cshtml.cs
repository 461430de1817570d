using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Voice.Web.Services;

namespace Voice.Web.Pages;

/// <summary>
/// This month: what is left of the plan's quotas, the plan's prices, a chart of daily characters, the cost so far,
/// the records as CSV, and the plans on offer, where the owner asks for another one.
/// </summary>
public sealed class UsageModel(VoiceApiClient api) : PageModel
{
    public UsageSeriesView? Usage { get; private set; }

    public QuotaView? Quota { get; private set; }

    public PlanView? Plan { get; private set; }

    public PlanComparison? Comparison { get; private set; }

    public string? Error { get; private set; }

    public Task OnGetAsync(CancellationToken cancellationToken) => LoadAsync(cancellationToken);

    /// <summary>The owner asks for a plan; the answer redirects, so reloading the page does not ask again.</summary>
    public async Task<IActionResult> OnPostUpgradeAsync(string plan, CancellationToken cancellationToken)
    {
        var (_, problem) = await api.RequestUpgradeAsync(plan, null, cancellationToken);
        if (problem is not null)
        {
            Error = problem.Message;
            await LoadAsync(cancellationToken);
            return Page();
        }
        return Redirect("/usage#plans");
    }

    /// <summary>The month's records as a CSV download.</summary>
    public async Task<IActionResult> OnGetCsvAsync(CancellationToken cancellationToken)
    {
        var response = await api.OpenUsageCsvAsync(cancellationToken);
        HttpContext.Response.RegisterForDispose(response);
        if (!response.IsSuccessStatusCode)
        {
            return StatusCode((int)response.StatusCode);
        }
        return File(await response.Content.ReadAsStreamAsync(cancellationToken), "text/csv", $"usage-{DateTime.UtcNow:yyyy-MM}.csv");
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        // Independent reads: ask for them together.
        var usage = api.GetUsageAsync(cancellationToken);
        var quota = api.GetQuotaAsync(cancellationToken);
        var plan = api.GetPlanAsync(cancellationToken);
        var plans = api.ListPlansAsync(cancellationToken);
        var request = api.GetUpgradeRequestAsync(cancellationToken);
        await Task.WhenAll(usage, quota, plan, plans, request);
        (Usage, Quota, Plan) = (usage.Result, quota.Result, plan.Result);
        Comparison = new PlanComparison(plans.Result, Plan?.Id, request.Result, User.OwnsWorkspace());
    }
}
