using System.Globalization;
using System.Text;
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

    /// <summary>
    /// Daily characters as an SVG bar chart, drawn on the server (no script, no chart library): one bar per day,
    /// labelled for screen readers with its date and value.
    /// </summary>
    public string ChartSvg()
    {
        // Every day of the month, not only those with usage (the API lists the days that had some, up to now).
        var usage = Usage?.Data ?? [];
        var days = Usage is { } series
            ? Enumerable.Range(0, DateTime.DaysInMonth(series.From.UtcDateTime.Year, series.From.UtcDateTime.Month) - series.From.UtcDateTime.Day + 1)
                .Select(i => series.From.UtcDateTime.Date.AddDays(i))
                .Select(d => usage.FirstOrDefault(b => b.Start.UtcDateTime.Date == d) ?? new UsageBucketView(new DateTimeOffset(d, TimeSpan.Zero), 0, 0, 0, 0, 0, ""))
                .ToArray()
            : [];
        const int Width = 720, Height = 180, Bottom = 20;
        long max = Math.Max(1, days.Select(d => d.Characters).DefaultIfEmpty(0).Max());
        double slot = days.Length == 0 ? Width : (double)Width / days.Length;
        var svg = new StringBuilder().Append(CultureInfo.InvariantCulture, $"<svg id=\"usage-chart\" role=\"img\" viewBox=\"0 0 {Width} {Height}\" width=\"100%\" aria-labelledby=\"chart-title\"><title id=\"chart-title\">Characters per day this month</title>");
        for (int i = 0; i < days.Length; i++)
        {
            var day = days[i];
            double h = (Height - Bottom) * day.Characters / (double)max;
            svg.Append(CultureInfo.InvariantCulture,
                $"<rect class=\"bar\" x=\"{i * slot + 1:0.#}\" y=\"{Height - Bottom - h:0.#}\" width=\"{Math.Max(1, slot - 2):0.#}\" height=\"{h:0.#}\"><title>{day.Start:MMM d}: {day.Characters:N0} characters</title></rect>");
            if (days.Length <= 31 && (i == 0 || day.Start.Day % 5 == 0))
            {
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{i * slot + slot / 2:0.#}\" y=\"{Height - 4}\" text-anchor=\"middle\">{day.Start.Day}</text>");
            }
        }
        return svg.Append("</svg>").ToString();
    }

    public static string Percent(double used, long? limit) => limit is > 0 ? (used / limit.Value).ToString("P0", CultureInfo.InvariantCulture) : "no limit";
}
