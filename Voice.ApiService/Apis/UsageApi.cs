using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Voice.ApiService.Accounts;
using Voice.ApiService.Model;
using Voice.ApiService.Security;
using Voice.Core.Billing;
using Voice.Core.Jobs;

namespace Voice.ApiService.Apis;

/// <summary>
/// What a tenant used and owes (<c>usage:read</c>): a series by day or month, the records (JSON or CSV), the
/// invoice for a month, and where this month stands against the plan's quotas — the figures the portal charts.
/// </summary>
public static class UsageApi
{
    public const int MaxRecords = 10_000;

    public static IEndpointRouteBuilder MapUsageApi(this IEndpointRouteBuilder app)
    {
        var usage = app.MapGroup("/api/v1/usage").WithTags("Usage").RequireAuthorization(Policies.Scope(Scopes.UsageRead));
        usage.MapGet("/", SeriesAsync).WithSummary("Usage by day or month over [from, to) (default: this month by day)");
        usage.MapGet("/records", RecordsAsync)
            .WithSummary("The usage records over [from, to), oldest first, paged by id (format=csv for a spreadsheet; the next page is in Link)");
        usage.MapGet("/invoices/{period}", InvoiceAsync).WithSummary("The invoice for a month (period = YYYY-MM, UTC)");
        usage.MapGet("/quota", QuotaAsync).WithSummary("This month against the plan: used and reserved characters and audio, open jobs, when it resets");
        return app;
    }

    public static async Task<Results<Ok<UsageSeries>, ProblemHttpResult>> SeriesAsync(
        HttpContext context, [AsParameters] UsageServices services, DateTimeOffset? from, DateTimeOffset? to, string? granularity, CancellationToken cancellationToken)
    {
        var (reports, clock) = (services.Reports, services.Clock);
        if (Range(clock, from, to, out var start, out var end) is { } invalid)
        {
            return invalid;
        }
        string unit = granularity ?? "day";
        if (unit is not ("day" or "month"))
        {
            return Problems.ValidationFailed(new() { ["granularity"] = ["'day' or 'month'."] });
        }
        var buckets = await reports.SeriesAsync(context.Caller().TenantId, start, end, unit, cancellationToken);
        var totals = new UsageBucketTotals(buckets.Sum(b => b.Jobs), buckets.Sum(b => b.Characters), Math.Round(buckets.Sum(b => b.AudioSeconds), 3),
            buckets.Sum(b => b.Voices), buckets.Sum(b => b.Cost), buckets.FirstOrDefault()?.Currency ?? "USD");
        return TypedResults.Ok(new UsageSeries(start, end, unit, buckets, totals));
    }

    public static async Task<IResult> RecordsAsync(HttpContext context, [AsParameters] UsageServices services, [AsParameters] UsageRecordsQuery query, CancellationToken cancellationToken)
    {
        var (reports, audit) = (services.Reports, services.Audit);
        var (format, after, limit) = (query.Format, query.After, query.Limit);
        if (Range(services.Clock, query.From, query.To, out var start, out var end) is { } invalid)
        {
            return invalid;
        }
        if (format is not (null or "json" or "csv"))
        {
            return Problems.ValidationFailed(new() { ["format"] = ["'json' or 'csv'."] });
        }
        if (limit is < 1 or > MaxRecords)
        {
            return Problems.ValidationFailed(new() { ["limit"] = [$"1–{MaxRecords}."] });
        }
        int pageSize = limit ?? MaxRecords;
        var records = await reports.RecordsAsync(context.Caller().TenantId, start, end, after ?? 0, pageSize + 1, cancellationToken);
        // One more than a page tells whether another page follows; the cursor is the last id on this one.
        long? nextAfter = records.Count > pageSize ? records[pageSize - 1].Id : null;
        var page = records.Take(pageSize);
        if (format != "csv")
        {
            return TypedResults.Ok(new UsageRecordList([.. page.Select(UsageRecordView.From)], nextAfter));
        }
        var csv = new StringBuilder("id,recorded_at,kind,job_id,voice_id,characters,audio_seconds,engine,compute_ms,plan,price_per_1k_characters,price_per_audio_minute,price_per_voice,cost,currency\n");
        foreach (var r in page)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{r.Id},{r.RecordedAt:O},{r.Kind},{r.JobId},{r.VoiceId},{r.Characters},{r.AudioSeconds:0.###},{Csv(r.Engine)},{r.ComputeMs},{Csv(r.Plan)},")
               .Append(CultureInfo.InvariantCulture, $"{r.PricePer1kCharacters},{r.PricePerAudioMinute},{r.PricePerVoice},{r.Cost},{r.Currency}\n");
        }
        if (nextAfter is { } cursor)
        {
            string next = $"/api/v1/usage/records?format=csv&from={Uri.EscapeDataString(start.ToString("O", CultureInfo.InvariantCulture))}" +
                $"&to={Uri.EscapeDataString(end.ToString("O", CultureInfo.InvariantCulture))}&after={cursor}&limit={pageSize}";
            context.Response.Headers.Link = $"<{next}>; rel=\"next\"";
        }
        var caller = context.Caller();
        await audit.RecordAsync(caller.TenantId, caller.Actor, "usage.exported", null, new { from = start, to = end, after }, cancellationToken);
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"usage-{start:yyyyMMdd}-{end:yyyyMMdd}.csv\"";
        return TypedResults.Text(csv.ToString(), "text/csv", Encoding.UTF8);
    }

    public static async Task<Results<Ok<Invoice>, ProblemHttpResult>> InvoiceAsync(string period, HttpContext context, UsageReports reports, CancellationToken cancellationToken)
    {
        if (!DateTime.TryParseExact(period, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month))
        {
            return Problems.ValidationFailed(new() { ["period"] = ["A month as YYYY-MM."] });
        }
        return TypedResults.Ok(await reports.InvoiceAsync(context.Caller().TenantId, month.Year, month.Month, cancellationToken));
    }

    public static async Task<Ok<QuotaStatus>> QuotaAsync(HttpContext context, UsageReports reports, PlanCatalog plans, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        var plan = await plans.GetAsync(caller.Plan, cancellationToken);
        return TypedResults.Ok(await reports.QuotaAsync(caller.TenantId, plan, JobAdmission.PeriodOf(clock.GetUtcNow()), cancellationToken));
    }

    private static ProblemHttpResult? Range(TimeProvider clock, DateTimeOffset? from, DateTimeOffset? to, out DateTimeOffset start, out DateTimeOffset end)
    {
        var now = clock.GetUtcNow();
        start = from ?? new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        end = to ?? now.AddSeconds(1);
        if (end <= start)
        {
            return Problems.ValidationFailed(new() { ["to"] = ["Must be after 'from'."] });
        }
        return end - start > TimeSpan.FromDays(400) ? Problems.ValidationFailed(new() { ["from"] = ["At most 400 days at a time."] }) : null;
    }

    private static string Csv(string? value) => value is null ? "" : value.Contains(',', StringComparison.Ordinal) || value.Contains('"', StringComparison.Ordinal)
        ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
        : value;
}
