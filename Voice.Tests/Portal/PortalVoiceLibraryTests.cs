using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Aspire.Hosting.Testing;
using Microsoft.Playwright;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Portal;

/// <summary>
/// The voice library in a real browser, at desktop width and on a 390 px phone: every card plays a sample (cached,
/// so a second listen queues nothing), filters, live status, design with candidates, clone, delete, the voice limit.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class PortalVoiceLibraryTests(VoiceAppFixture app) : BrowserTest
{
    private static readonly ViewportSize Phone = new() { Width = 390, Height = 844 }, Desktop = new() { Width = 1280, Height = 900 };

    [Fact]
    public async Task EveryPresetHasAPlayableSampleAndTheFiltersNarrowTheCardsOnAPhone()
    {
        var page = await OpenAsync(Phone);
        string slug = await PortalPages.SignUpAsync(page, "Library Audio", snap: false);
        await SetPlanAsync(slug, VoiceAppFixture.TestPlan);
        await page.GotoAsync("/voices");

        var presets = page.Locator("#presets .voice-card");
        int count = await presets.CountAsync();
        Assert.True(count >= 10, $"{count} presets");
        for (int i = 0; i < count; i++)
        {
            await AssertSampleAsync(page, presets.Nth(i));
        }
        await AssertFitsAsync(page);
        await PortalPages.CheckAsync(page, "voices-phone");

        await page.Locator("#filter-gender").SelectOptionAsync("female");
        await page.Locator("#filter-language").SelectOptionAsync("de");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter", Exact = true }).ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("gender=female", StringComparison.Ordinal));
        var genders = await page.Locator("#presets .gender").AllTextContentsAsync();
        Assert.NotEmpty(genders);
        Assert.All(genders, gender => Assert.Equal("female", gender));
        Assert.True(genders.Count < count);
        Assert.Equal("de", await page.Locator("#filter-language").InputValueAsync());
        Assert.EndsWith("language=de", await page.Locator("#presets audio").First.GetAttributeAsync("data-src"), StringComparison.Ordinal);
        await AssertSampleAsync(page, presets.First);
        await AssertFitsAsync(page);
        await page.Locator("#clear-filters").ClickAsync();
        await Assertions.Expect(presets).ToHaveCountAsync(count);
    }

    [Fact]
    public async Task ADesignOffersCandidatesToHearKeepsOneThatPlaysInTheLibraryAndDeletesItOnlyWhenConfirmed()
    {
        var page = await OpenAsync(Desktop);
        string slug = await PortalPages.SignUpAsync(page, "Design Audio", snap: false);
        var tenant = await SetPlanAsync(slug, VoiceAppFixture.TestPlan);
        await page.GotoAsync("/voices");

        // A description too short to design from: the error by the field, what was typed still there.
        await page.Locator("#description").EvaluateAsync("e => e.removeAttribute('minlength')");
        await page.Locator("#description").FillAsync("a");
        await page.Locator("#design-name").FillAsync("Narrator");
        await page.GetByRole(AriaRole.Button, new() { Name = "Design voice" }).ClickAsync();
        await Assertions.Expect(page.Locator("#description-error")).ToContainTextAsync("at least 10 characters");
        Assert.Equal("a", await page.Locator("#description").InputValueAsync());
        Assert.Equal("Narrator", await page.Locator("#design-name").InputValueAsync());

        // Two candidates: each turns ready on the page (no reload) and plays.
        await page.Locator("#description").FillAsync("a calm, low-pitched male narrator");
        await page.Locator("#candidates").SelectOptionAsync("2");
        await page.GetByRole(AriaRole.Button, new() { Name = "Design voice" }).ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("design=", StringComparison.Ordinal));
        await page.EvaluateAsync("() => window.notReloaded = true");
        var candidates = page.Locator("#design-candidates .voice-card");
        await Assertions.Expect(candidates).ToHaveCountAsync(2);
        for (int i = 0; i < 2; i++)
        {
            await Assertions.Expect(candidates.Nth(i).Locator(".status")).ToHaveTextAsync("ready", new() { Timeout = 60_000 });
            await AssertSampleAsync(page, candidates.Nth(i));
        }
        Assert.True(await page.EvaluateAsync<bool>("() => window.notReloaded === true"));
        await AssertFitsAsync(page);
        await PortalPages.CheckAsync(page, "voices-design");

        // Keep the second: it is listed, plays in the browser, and listening again queues no new task.
        await page.GetByRole(AriaRole.Button, new() { Name = "Keep candidate 2" }).ClickAsync();
        await Assertions.Expect(page.Locator("#created")).ToContainTextAsync("Narrator");
        var card = page.Locator("#voices .voice-card");
        await Assertions.Expect(card).ToHaveCountAsync(1);
        await Assertions.Expect(card.Locator(".status")).ToHaveTextAsync("ready");
        int tasks = await TaskCountAsync(tenant);
        await AssertSampleAsync(page, card);
        await AssertSampleAsync(page, card);
        Assert.Equal(tasks, await TaskCountAsync(tenant));
        double duration = await card.Locator("audio").EvaluateAsync<double>(
            "a => new Promise(done => { a.onloadedmetadata = () => done(a.duration); a.onerror = () => done(-1); a.preload = 'auto'; a.load(); })");
        Assert.True(duration > 0.5, $"the player read {duration} s");
        Assert.Equal($"/playground?voice={await card.GetAttributeAsync("data-voice-id")}",
            await card.GetByRole(AriaRole.Link, new() { Name = "Use in playground" }).GetAttributeAsync("href"));
        await PortalPages.CheckAsync(page, "voices-library");

        // Deleting asks first; "Keep it" keeps it.
        await card.GetByRole(AriaRole.Link, new() { Name = "Delete" }).ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Delete “Narrator”?");
        await PortalPages.CheckAsync(page, "voice-delete");
        await page.GetByRole(AriaRole.Link, new() { Name = "Keep it" }).ClickAsync();
        await Assertions.Expect(page.Locator("#voices .voice-card")).ToHaveCountAsync(1);
        await page.Locator("#voices .voice-card").GetByRole(AriaRole.Link, new() { Name = "Delete" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete Narrator" }).ClickAsync();
        await Assertions.Expect(page.Locator("#deleted")).ToContainTextAsync("Narrator");
        await Assertions.Expect(page.Locator("#no-voices")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task AClonedVoicePlaysOnceReadyWithoutAReloadAndTheVoiceLimitDisablesTheForms()
    {
        var page = await OpenAsync(Phone);
        string slug = await PortalPages.SignUpAsync(page, "Clone Audio", snap: false);
        await SetPlanAsync(slug, await app.CreatePlanAsync(new { max_voices = 1 }));
        await page.GotoAsync("/voices");
        await Assertions.Expect(page.Locator("#voice-count")).ToContainTextAsync("Voices 0/1");

        // A file that is not audio: refused by the recording field, the other fields kept.
        string notAudio = Path.Combine(Path.GetTempPath(), $"notes-{slug}.wav");
        await File.WriteAllTextAsync(notAudio, "These are notes, not a recording.");
        await page.Locator("#clone-name").FillAsync("My clone");
        await page.Locator("#recording").SetInputFilesAsync(notAudio);
        await page.GetByLabel("What the recording says").FillAsync(PortalPages.ReferenceText);
        await page.Locator("#consent").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Clone voice" }).ClickAsync();
        await Assertions.Expect(page.Locator("#recording-error")).ToBeVisibleAsync();
        Assert.Equal("My clone", await page.Locator("#clone-name").InputValueAsync());
        Assert.Equal(PortalPages.ReferenceText, await page.Locator("#reference-text").InputValueAsync());
        Assert.True(await page.Locator("#consent").IsCheckedAsync());

        // A real recording: its card turns ready on the page and plays its sample.
        string recording = Path.Combine(Path.GetTempPath(), $"reference-{slug}.wav");
        await File.WriteAllBytesAsync(recording, await PortalPages.ReferenceRecordingAsync());
        await page.Locator("#recording").SetInputFilesAsync(recording);
        await page.GetByRole(AriaRole.Button, new() { Name = "Clone voice" }).ClickAsync();
        await Assertions.Expect(page.Locator("#created")).ToContainTextAsync("My clone");
        await page.EvaluateAsync("() => window.notReloaded = true");
        var card = page.Locator("#voices .voice-card");
        await Assertions.Expect(card.Locator(".status")).ToHaveTextAsync("ready", new() { Timeout = 60_000 });
        await AssertSampleAsync(page, card);
        Assert.True(await page.EvaluateAsync<bool>("() => window.notReloaded === true"));

        // At the plan's limit: said up front, the forms disabled with the reason.
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#voice-count")).ToContainTextAsync("Voices 1/1");
        await Assertions.Expect(page.Locator("#limit-reached")).ToContainTextAsync("delete one");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Design voice" })).ToBeDisabledAsync();
        await Assertions.Expect(page.Locator("#description")).ToBeDisabledAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Clone voice" })).ToBeDisabledAsync();
        await AssertFitsAsync(page);
        await PortalPages.CheckAsync(page, "voices-limit");
    }

    private async Task<IPage> OpenAsync(ViewportSize viewport)
    {
        var context = await Browser.NewContextAsync(new() { BaseURL = app.App.GetEndpoint("web", "http").ToString(), ViewportSize = viewport });
        return await context.NewPageAsync(); // closed with the browser
    }

    /// <summary>The card's player has a source, and the source answers with audio.</summary>
    private static async Task AssertSampleAsync(IPage page, ILocator card)
    {
        var audio = card.Locator("audio");
        await Assertions.Expect(audio).ToHaveAttributeAsync("src", new Regex("/sample"));
        var response = await page.APIRequest.GetAsync((await audio.GetAttributeAsync("src"))!, new() { Timeout = 120_000 });
        Assert.True(response.Status == 200, $"{response.Status}: {await response.TextAsync()}");
        Assert.StartsWith("audio/", response.Headers["content-type"], StringComparison.Ordinal);
        Assert.True((await response.BodyAsync()).Length > 1000);
    }

    private static async Task AssertFitsAsync(IPage page) =>
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"),
            $"wider than the viewport: {await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth")} px");

    /// <summary>Moves the signed-up workspace to a plan; returns its id.</summary>
    private async Task<Guid> SetPlanAsync(string slug, string plan)
    {
        using var admin = app.CreateAdminClient();
        var tenants = await admin.GetFromJsonAsync<JsonElement>("/admin/v1/tenants?limit=1000");
        Guid id = tenants.GetProperty("data").EnumerateArray().First(t => t.GetProperty("slug").GetString() == slug).GetProperty("id").GetGuid();
        (await admin.PatchAsJsonAsync($"/admin/v1/tenants/{id}", new { plan })).EnsureSuccessStatusCode();
        await Task.Delay(TimeSpan.FromSeconds(1.1)); // the API caches a caller's identity for a second
        return id;
    }

    private async Task<int> TaskCountAsync(Guid tenant)
    {
        using var admin = app.CreateAdminClient();
        using var issued = await admin.PostAsJsonAsync($"/admin/v1/tenants/{tenant}/keys", new { name = "count tasks" });
        string key = (await issued.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
        using var api = app.CreateApiClient(key);
        var tasks = await api.GetFromJsonAsync<JsonElement>("/api/v1/tasks?limit=100");
        return tasks.GetProperty("data").GetArrayLength();
    }
}
