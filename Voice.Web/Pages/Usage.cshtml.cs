using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Voice.Web.Services;

namespace Voice.Web.Pages;

/// <summary>This month: usage against the plan's quotas, a chart of daily characters, the cost so far, the records as CSV.</summary>
public sealed class UsageModel(VoiceApiClient api) : PageModel
{
    public UsageSeriesView? Usage { get; private set; }

    public QuotaView? Quota { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Usage = await api.GetUsageAsync(cancellationToken);
        Quota = await api.GetQuotaAsync(cancellationToken);
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
}
