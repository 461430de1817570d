using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Voice.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Voice.Tests.Billing;

/// <summary>
/// Usage records, the usage series, CSV export and invoices: every figure is the tenant's own, carries the
/// prices of the moment it was used, and adds up to the cent.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class UsageTests(VoiceAppFixture app, ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static string ThisPeriod => DateTimeOffset.UtcNow.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    [Fact]
    public async Task InvoiceLinesFollowThePricesInForceWhenTheUsageHappened()
    {
        string early = await app.CreatePlanAsync(new { price_per_1k_characters = 0.015m, price_per_audio_minute = 0.0025m, price_per_voice = 1.10m, currency = "EUR" });
        string later = await app.CreatePlanAsync(new { price_per_1k_characters = 0.0123m, price_per_audio_minute = 0.0017m, price_per_voice = 0.55m, currency = "EUR" });
        var tenant = await app.CreateTenantAsync(early);
        using var api = app.CreateApiClient(tenant.ApiKey);
        using var admin = app.CreateAdminClient();

        await SpeakAsync(api, QuotaTests.Text(1234), QuotaTests.Text(333));
        using (var voice = await api.PostAsJsonAsync("/api/v1/voices", new { name = "Billed", description = "a calm female voice", language = "en" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, voice.StatusCode);
        }
        (await admin.PatchAsJsonAsync($"/admin/v1/tenants/{tenant.Id}", new { plan = later })).EnsureSuccessStatusCode(); // mid-period
        await SpeakAsync(api, QuotaTests.Text(777));

        var records = (await api.GetFromJsonAsync<JsonElement>("/api/v1/usage/records")).GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(4, records.Count);
        var invoice = await api.GetFromJsonAsync<JsonElement>($"/api/v1/usage/invoices/{ThisPeriod}");
        output.WriteLine(invoice.ToString());

        // Recompute from the records alone: each priced at its own plan's prices, summed exactly.
        decimal expected = 0;
        foreach (var plan in new[] { early, later })
        {
            var mine = records.Where(r => r.GetProperty("plan").GetString() == plan).ToList();
            decimal characters = mine.Where(r => r.GetProperty("kind").GetString() == "speech").Sum(r => r.GetProperty("characters").GetDecimal());
            decimal seconds = mine.Where(r => r.GetProperty("kind").GetString() == "speech").Sum(r => r.GetProperty("audio_seconds").GetDecimal());
            decimal voices = mine.Count(r => r.GetProperty("kind").GetString() == "voice");
            var (p1k, pMinute, pVoice) = plan == early ? (0.015m, 0.0025m, 1.10m) : (0.0123m, 0.0017m, 0.55m);
            expected += characters / 1000 * p1k + seconds / 60 * pMinute + voices * pVoice;
            Assert.Equal(Math.Round(characters / 1000, 6), Line(invoice, "speech characters", plan).GetProperty("quantity").GetDecimal());
            Assert.Equal(p1k, Line(invoice, "speech characters", plan).GetProperty("unit_price").GetDecimal());
            Assert.Equal(pMinute, Line(invoice, "audio minutes", plan).GetProperty("unit_price").GetDecimal());
        }
        Assert.Equal(1, Line(invoice, "voice profiles", early).GetProperty("quantity").GetDecimal());
        Assert.DoesNotContain(invoice.GetProperty("lines").EnumerateArray(), l => l.GetProperty("item").GetString() == "voice profiles" && l.GetProperty("plan").GetString() == later);

        decimal total = invoice.GetProperty("total").GetDecimal();
        foreach (var line in invoice.GetProperty("lines").EnumerateArray())
        {
            decimal amount = line.GetProperty("amount").GetDecimal();
            Assert.Equal(Math.Round(line.GetProperty("quantity").GetDecimal() * line.GetProperty("unit_price").GetDecimal(), 6, MidpointRounding.AwayFromZero), amount);
        }
        Assert.Equal(invoice.GetProperty("lines").EnumerateArray().Sum(l => l.GetProperty("amount").GetDecimal()), total);
        Assert.InRange(total, expected - 0.00001m, expected + 0.00001m); // quantities are kept to 6 decimals
        Assert.Equal(Math.Round(total, 2, MidpointRounding.AwayFromZero), invoice.GetProperty("amount_due").GetDecimal());
        Assert.Equal("EUR", invoice.GetProperty("currency").GetString());
        // Each record's own cost agrees with the invoice (rounded per record to 6 decimals).
        Assert.InRange(records.Sum(r => r.GetProperty("cost").GetDecimal()), total - 0.00001m, total + 0.00001m);
    }

    [Fact]
    public async Task SeriesRecordsAndCsvAgreeAndPage()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        await SpeakAsync(api, "One.", "Two words.", "Three words here.");

        var series = await api.GetFromJsonAsync<JsonElement>("/api/v1/usage?granularity=day");
        var totals = series.GetProperty("totals");
        Assert.Equal(3, totals.GetProperty("jobs").GetInt64());
        Assert.Equal("One.".Length + "Two words.".Length + "Three words here.".Length, totals.GetProperty("characters").GetInt64());
        Assert.True(totals.GetProperty("audio_seconds").GetDouble() > 0.5);
        var today = series.GetProperty("data").EnumerateArray().Single();
        Assert.Equal(DateTimeOffset.UtcNow.Date, today.GetProperty("start").GetDateTimeOffset().UtcDateTime.Date);
        var monthly = await api.GetFromJsonAsync<JsonElement>("/api/v1/usage?granularity=month");
        Assert.Equal(3, monthly.GetProperty("data").EnumerateArray().Single().GetProperty("jobs").GetInt64());

        // Pages of two follow the cursor to the end without gaps or repeats.
        var ids = new List<long>();
        string? next = "/api/v1/usage/records?limit=2";
        while (next is not null)
        {
            var page = await api.GetFromJsonAsync<JsonElement>(next);
            ids.AddRange(page.GetProperty("data").EnumerateArray().Select(r => r.GetProperty("id").GetInt64()));
            next = page.GetProperty("next_after").ValueKind == JsonValueKind.Null ? null : $"/api/v1/usage/records?limit=2&after={page.GetProperty("next_after").GetInt64()}";
        }
        Assert.Equal(3, ids.Distinct().Count());
        Assert.Equal(ids.Order(), ids);

        using var csv = await api.GetAsync("/api/v1/usage/records?format=csv&limit=2");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("attachment;", csv.Content.Headers.ContentDisposition?.ToString(), StringComparison.Ordinal);
        var lines = (await csv.Content.ReadAsStringAsync()).TrimEnd('\n').Split('\n');
        Assert.StartsWith("id,recorded_at,kind,job_id", lines[0], StringComparison.Ordinal);
        Assert.Equal(3, lines.Length); // header and a page of two
        Assert.Equal(ids.Take(2), lines.Skip(1).Select(l => long.Parse(l.Split(',')[0], CultureInfo.InvariantCulture)));
        string link = csv.Headers.GetValues("Link").Single();
        Assert.Contains($"after={ids[1]}", link, StringComparison.Ordinal);
        Assert.EndsWith("rel=\"next\"", link, StringComparison.Ordinal);
        var rest = await api.GetStringAsync(link[1..link.IndexOf('>', StringComparison.Ordinal)]);
        Assert.Equal(ids[2], long.Parse(rest.Split('\n')[1].Split(',')[0], CultureInfo.InvariantCulture));
        // Exports are audited: one event per exported page.
        var audit = (await api.GetFromJsonAsync<JsonElement>("/api/v1/audit")).GetProperty("data").EnumerateArray();
        Assert.Equal(2, audit.Count(e => e.GetProperty("action").GetString() == "usage.exported"));
    }

    [Fact]
    public async Task UsageAndInvoicesAreOnlyTheCallersOwn()
    {
        var owner = await app.CreateTenantAsync();
        var other = await app.CreateTenantAsync();
        using var ownerApi = app.CreateApiClient(owner.ApiKey);
        using var otherApi = app.CreateApiClient(other.ApiKey);
        await SpeakAsync(ownerApi, "Only mine.");

        Assert.Single((await ownerApi.GetFromJsonAsync<JsonElement>("/api/v1/usage/records")).GetProperty("data").EnumerateArray());
        Assert.Empty((await otherApi.GetFromJsonAsync<JsonElement>("/api/v1/usage/records")).GetProperty("data").EnumerateArray());
        Assert.Empty((await otherApi.GetFromJsonAsync<JsonElement>("/api/v1/usage")).GetProperty("data").EnumerateArray());
        var invoice = await otherApi.GetFromJsonAsync<JsonElement>($"/api/v1/usage/invoices/{ThisPeriod}");
        Assert.Empty(invoice.GetProperty("lines").EnumerateArray());
        Assert.Equal(0m, invoice.GetProperty("total").GetDecimal());

        // The operator sees both, each with its own figures.
        using var admin = app.CreateAdminClient();
        var all = await admin.GetFromJsonAsync<JsonElement>("/admin/v1/usage");
        var row = all.GetProperty("data").EnumerateArray().Single(r => r.GetProperty("tenant_id").GetGuid() == owner.Id);
        Assert.Equal(1, row.GetProperty("jobs").GetInt64());
        Assert.Equal("Only mine.".Length, row.GetProperty("characters").GetInt64());
    }

    [Theory]
    [InlineData("/api/v1/usage/invoices/2026-13", "period")]
    [InlineData("/api/v1/usage/invoices/last-month", "period")]
    [InlineData("/api/v1/usage?granularity=hour", "granularity")]
    [InlineData("/api/v1/usage?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "to")]
    [InlineData("/api/v1/usage?from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from")]
    [InlineData("/api/v1/usage/records?format=xml", "format")]
    [InlineData("/api/v1/usage/records?limit=0", "limit")]
    public async Task BadUsageQueriesAreValidationProblems(string path, string field)
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);

        using var response = await api.GetAsync(path);

        var problem = await Api.GenerateValidationTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task PlansAreEditedOnlyWithinTheirRules()
    {
        using var admin = app.CreateAdminClient();
        string id = await app.CreatePlanAsync(new { price_per_1k_characters = 0.02m });
        var plans = await admin.GetFromJsonAsync<JsonElement>("/admin/v1/plans");
        Assert.Contains(plans.GetProperty("data").EnumerateArray(), p => p.GetProperty("id").GetString() == "free");

        foreach (var (body, field) in new (object, string)[]
        {
            (new { rate_per_second = 0 }, "rate_per_second"),
            (new { rate_burst = 0 }, "rate_burst"),
            (new { allowed_formats = new[] { "wav", "mp4" } }, "allowed_formats"),
            (new { allowed_modes = new[] { "telepathy" } }, "allowed_modes"),
            (new { allowed_engines = new[] { "Not a pool!" } }, "allowed_engines"), // an engine or a pool's name, nothing else
            (new { monthly_characters = -1 }, "monthly_characters"),
            (new { price_per_voice = -0.01m }, "price_per_voice"),
            (new { currency = "euro" }, "currency"),
            (new { id = "renamed" }, "id"),
        })
        {
            using var refused = await admin.PatchAsJsonAsync($"/admin/v1/plans/{id}", body);
            var problem = await Api.GenerateValidationTests.AssertProblemAsync(refused, HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        }
        Assert.Equal(0.02m, (await admin.GetFromJsonAsync<JsonElement>($"/admin/v1/plans/{id}")).GetProperty("price_per_1k_characters").GetDecimal()); // nothing half-applied

        using var duplicate = await admin.PostAsJsonAsync("/admin/v1/plans", new { id, name = "again" });
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        using var missing = await admin.PatchAsJsonAsync("/admin/v1/plans/no-such-plan", new { rate_burst = 5 });
        await Api.GenerateValidationTests.AssertProblemAsync(missing, HttpStatusCode.NotFound, "https://voice.dev/problems/not-found");
        using var unlimited = await admin.PatchAsJsonAsync($"/admin/v1/plans/{id}", new { unlimited_characters = true, allowed_formats = new[] { "wav" } });
        var edited = await unlimited.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(JsonValueKind.Null, edited.GetProperty("monthly_characters").ValueKind);
        Assert.Equal(["wav"], edited.GetProperty("allowed_formats").EnumerateArray().Select(f => f.GetString()));
    }

    private async Task SpeakAsync(HttpClient api, params string[] texts)
    {
        foreach (var text in texts)
        {
            using var response = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text });
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
            var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetGuid();
            Assert.Equal("completed", (await TaskPolling.WaitForFinishAsync(api, id, Patience)).GetProperty("status").GetString());
        }
    }

    private static JsonElement Line(JsonElement invoice, string item, string plan) =>
        invoice.GetProperty("lines").EnumerateArray().Single(l => l.GetProperty("item").GetString() == item && l.GetProperty("plan").GetString() == plan);
}
