using Microsoft.AspNetCore.Mvc.RazorPages;
using Voice.Web.Services;

namespace Voice.Web.Pages;

/// <summary>The first page after signing in: this month's use against the plan, daily charts, the latest jobs.</summary>
public sealed class IndexModel(VoiceApiClient api) : PageModel
{
    public TenantView? Tenant { get; private set; }

    public QuotaView? Quota { get; private set; }

    public PlanView? Plan { get; private set; }

    public UsageSeriesView? Usage { get; private set; }

    public TaskSummaryView[] Recent { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        // Independent reads: ask for them together.
        var tenant = api.GetTenantAsync(cancellationToken);
        var plan = api.GetPlanAsync(cancellationToken);
        var quota = api.GetQuotaAsync(cancellationToken);
        var usage = api.GetUsageAsync(cancellationToken);
        var recent = api.ListTasksAsync(null, null, cancellationToken);
        await Task.WhenAll(tenant, plan, quota, usage, recent);
        (Tenant, Plan, Quota, Usage, Recent) = (tenant.Result, plan.Result, quota.Result, usage.Result, [.. recent.Result.Data.Take(5)]);
    }
}
