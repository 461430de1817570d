using System.Globalization;
using System.Text;

namespace Voice.Web.Services;

/// <summary>
/// Daily usage as an SVG bar chart, drawn on the server (no script, no chart library): one bar per day of the
/// month, each with a title giving its date and value for screen readers and hover.
/// </summary>
public static class UsageChart
{
    public static string Svg(UsageSeriesView? series, string id, string title, Func<UsageBucketView, double> value, string unit)
    {
        // Every day of the month, not only those with usage (the API lists the days that had some, up to now).
        var usage = series?.Data ?? [];
        var days = series is not null
            ? Enumerable.Range(0, DateTime.DaysInMonth(series.From.UtcDateTime.Year, series.From.UtcDateTime.Month) - series.From.UtcDateTime.Day + 1)
                .Select(i => series.From.UtcDateTime.Date.AddDays(i))
                .Select(d => usage.FirstOrDefault(b => b.Start.UtcDateTime.Date == d) ?? new UsageBucketView(new DateTimeOffset(d, TimeSpan.Zero), 0, 0, 0, 0, 0, ""))
                .ToArray()
            : [];
        const int Width = 720, Height = 180, Bottom = 20;
        double max = Math.Max(1e-9, days.Select(value).DefaultIfEmpty(0).Max());
        double slot = days.Length == 0 ? Width : (double)Width / days.Length;
        var svg = new StringBuilder().Append(CultureInfo.InvariantCulture,
            $"<svg id=\"{id}\" class=\"chart\" role=\"img\" viewBox=\"0 0 {Width} {Height}\" width=\"100%\" aria-labelledby=\"{id}-title\"><title id=\"{id}-title\">{title}</title>");
        for (int i = 0; i < days.Length; i++)
        {
            var day = days[i];
            double v = value(day);
            double h = (Height - Bottom) * v / max;
            svg.Append(CultureInfo.InvariantCulture,
                $"<rect class=\"bar\" x=\"{i * slot + 1:0.#}\" y=\"{Height - Bottom - h:0.#}\" width=\"{Math.Max(1, slot - 2):0.#}\" height=\"{h:0.#}\"><title>{day.Start:MMM d}: {v:N0} {unit}</title></rect>");
            if (days.Length <= 31 && (i == 0 || day.Start.Day % 5 == 0))
            {
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{i * slot + slot / 2:0.#}\" y=\"{Height - 4}\" text-anchor=\"middle\">{day.Start.Day}</text>");
            }
        }
        return svg.Append("</svg>").ToString();
    }

    public static string Characters(UsageSeriesView? series) => Svg(series, "usage-chart", "Characters per day this month", d => d.Characters, "characters");

    public static string AudioSeconds(UsageSeriesView? series) => Svg(series, "audio-chart", "Seconds of audio per day this month", d => d.AudioSeconds, "s of audio");

    public static string Percent(double used, long? limit) => limit is > 0 ? (used / limit.Value).ToString("P0", CultureInfo.InvariantCulture) : "no limit";
}
