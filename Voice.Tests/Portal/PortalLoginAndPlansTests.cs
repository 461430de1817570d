using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Portal;

/// <summary>
/// What a new user stumbled on, in a real browser: logging in by email alone (one workspace, then a choice of two),
/// the mailed list of workspaces, what is left this month and what it costs, asking for a bigger plan until an
/// operator approves it, a reloaded key page that makes no second key, and a webhook hint that tells the truth.
/// Each page is checked by axe, and at 390 px wide for horizontal scrolling.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class PortalLoginAndPlansTests(VoiceAppFixture app) : BrowserTest
{
    private const string Password = "a long enough password";

    [Fact]
    public async Task LoggingInByEmailOpensTheOnlyWorkspaceOrOffersAChoice()
    {
        await using var context = await PortalPages.NewContextAsync(Browser, app);
        var page = await context.NewPageAsync();
        string first = await PortalPages.SignUpAsync(page, "Email Login Audio", snap: false);
        string email = PortalPages.Owner(first);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();

        // One workspace: email and password are enough.
        await LogInByEmailAsync(page, email, Password);
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/");
        Assert.Equal(first, await page.Locator("#workspace").TextContentAsync());
        await page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();

        // A wrong password and an unknown address read the same.
        await LogInByEmailAsync(page, email, Password + "x");
        string wrong = (await page.Locator("#error").TextContentAsync())!;
        await LogInByEmailAsync(page, "nobody-" + email, Password);
        Assert.Equal(wrong, await page.Locator("#error").TextContentAsync());
        Assert.Contains("Wrong email or password.", wrong, StringComparison.Ordinal);
        await CheckBothWidthsAsync(page, "login");

        // The same address in a second workspace: the login offers both, and opens the one chosen.
        string second = "p-" + Guid.NewGuid().ToString("N")[..10];
        using (var anonymous = app.CreateApiClient())
        {
            using var signup = await anonymous.PostAsJsonAsync("/api/v1/auth/signup", new { tenant_name = "Second Audio", slug = second, email, password = Password });
            Assert.Equal(HttpStatusCode.Created, signup.StatusCode);
        }
        await LogInByEmailAsync(page, email, Password);
        await Assertions.Expect(page.Locator("#choose-workspace button")).ToHaveCountAsync(2);
        await CheckBothWidthsAsync(page, "login-choose");
        await page.GetByRole(AriaRole.Button, new() { Name = "Second Audio" }).ClickAsync();
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/");
        Assert.Equal(second, await page.Locator("#workspace").TextContentAsync());
    }

    [Fact]
    public async Task AForgottenWorkspaceIdIsMailedAndAnUnknownAddressGetsTheSameAnswer()
    {
        await using var context = await PortalPages.NewContextAsync(Browser, app);
        var page = await context.NewPageAsync();
        string slug = await PortalPages.SignUpAsync(page, "Forgetful Workspace", snap: false);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Forgot your workspace id?" }).ClickAsync();
        await CheckBothWidthsAsync(page, "find-workspace");
        await page.GetByLabel("Email").FillAsync(PortalPages.Owner(slug));
        await page.GetByRole(AriaRole.Button, new() { Name = "Mail me my workspaces" }).ClickAsync();
        string known = (await page.Locator("#sent").TextContentAsync())!;
        var mail = await PortalPages.MailAsync(app, PortalPages.Owner(slug), "workspaces");
        string link = mail.GetProperty("text").GetString()!.Split('\n').Single(l => l.Contains("/account/login?tenant=", StringComparison.Ordinal));
        Assert.Contains(slug, link, StringComparison.Ordinal);

        await page.GotoAsync("/account/find-workspace");
        await page.GetByLabel("Email").FillAsync("nobody-" + PortalPages.Owner(slug));
        await page.GetByRole(AriaRole.Button, new() { Name = "Mail me my workspaces" }).ClickAsync();
        Assert.Equal(known, await page.Locator("#sent").TextContentAsync());

        await page.GotoAsync(new Uri(link[link.IndexOf("http", StringComparison.Ordinal)..]).PathAndQuery); // the mailed link fills the workspace in
        Assert.Equal(slug, await page.Locator("#tenant").InputValueAsync());
    }

    [Fact]
    public async Task LimitsAndPricesAreSpelledOutAndAnApprovedUpgradeChangesThePlan()
    {
        await using var context = await PortalPages.NewContextAsync(Browser, app);
        var page = await context.NewPageAsync();
        string slug = await PortalPages.SignUpAsync(page, "Growing Audio", snap: false);
        await Assertions.Expect(page.Locator("#left-characters")).ToHaveTextAsync("10,000 of 10,000 characters left this month");

        await page.GotoAsync("/usage");
        await Assertions.Expect(page.Locator("#left-characters")).ToHaveTextAsync("10,000 of 10,000 characters left this month");
        await Assertions.Expect(page.Locator("#plan-price")).ToContainTextAsync("no charge");
        await Assertions.Expect(page.Locator(".plan[data-plan='starter'] .price"))
            .ToHaveTextAsync("$0.015 per 1,000 characters, $0.002 per minute of audio");
        Assert.DoesNotContain("0.000000", await page.Locator("main").TextContentAsync(), StringComparison.Ordinal);
        await page.GetByRole(AriaRole.Button, new() { Name = "Ask for Pro" }).ClickAsync();
        await Assertions.Expect(page.Locator("#upgrade-state")).ToContainTextAsync("waiting for an operator's approval");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Ask for Starter" })).ToBeDisabledAsync(); // one request at a time
        await CheckBothWidthsAsync(page, "usage-plans");

        using var admin = app.CreateAdminClient();
        var requests = (await admin.GetFromJsonAsync<JsonElement>("/admin/v1/upgrade-requests?status=pending")).GetProperty("data").EnumerateArray();
        var tenants = (await admin.GetFromJsonAsync<JsonElement>("/admin/v1/tenants?limit=500")).GetProperty("data").EnumerateArray();
        Guid tenantId = tenants.Single(t => t.GetProperty("slug").GetString() == slug).GetProperty("id").GetGuid();
        string id = requests.Single(r => r.GetProperty("tenant_id").GetGuid() == tenantId).GetProperty("id").GetString()!;
        (await admin.PostAsync($"/admin/v1/upgrade-requests/{id}/approve", null)).EnsureSuccessStatusCode();
        await Task.Delay(TimeSpan.FromSeconds(1.1)); // the API caches credentials (and their plan) for a second

        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#upgrade-state")).ToContainTextAsync("approved");
        await Assertions.Expect(page.Locator(".plan.current")).ToHaveAttributeAsync("data-plan", "pro");
        await Assertions.Expect(page.Locator("#left-characters")).ToHaveTextAsync("5,000,000 of 5,000,000 characters left this month");
        await page.GotoAsync("/");
        await Assertions.Expect(page.Locator("#plan")).ToHaveTextAsync("pro");
        await Assertions.Expect(page.Locator("#plan-price")).ToContainTextAsync("$0.012 per 1,000 characters");
        await CheckBothWidthsAsync(page, "dashboard-limits");
    }

    [Fact]
    public async Task ReloadingAfterCreatingAKeyMakesNoSecondKeyAndNewKeysOnlySpeak()
    {
        await using var context = await PortalPages.NewContextAsync(Browser, app);
        var page = await context.NewPageAsync();
        string slug = await PortalPages.SignUpAsync(page, "Careful Keys", snap: false);
        await app.VerifyEmailAsync(PortalPages.Owner(slug));

        await page.GotoAsync("/keys");
        Assert.True(await page.Locator("input[name='Selected'][value='speech:write']").IsCheckedAsync());
        foreach (string scope in new[] { "voices:write", "usage:read", "keys:admin", "webhooks:admin" })
        {
            Assert.False(await page.Locator($"input[name='Selected'][value='{scope}']").IsCheckedAsync(), scope);
        }
        await page.GetByLabel("Name").FillAsync("reload me");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        Assert.StartsWith("vk_", await page.Locator("#new-key").InputValueAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("handler=", page.Url, StringComparison.Ordinal); // the answer was a redirect
        var row = page.Locator("#keys tbody tr", new() { HasText = "reload me" });
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row).ToContainTextAsync("speech:write");
        await Assertions.Expect(row).Not.ToContainTextAsync("keys:admin");
        await CheckBothWidthsAsync(page, "keys-created");

        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#keys tbody tr", new() { HasText = "reload me" })).ToHaveCountAsync(1);
        Assert.Equal(0, await page.Locator("#new-key").CountAsync()); // shown once
    }

    [Fact]
    public async Task TheWebhookHintSaysWhatThisEnvironmentAccepts()
    {
        await using var context = await PortalPages.NewContextAsync(Browser, app);
        var page = await context.NewPageAsync();
        await PortalPages.SignUpAsync(page, "Hinted Hooks", snap: false);

        await page.GotoAsync("/webhooks");

        await Assertions.Expect(page.Locator("#url-hint")).ToContainTextAsync("loopback and private addresses"); // the suite runs in Development
        await page.GetByLabel("Endpoint URL").FillAsync("http://127.0.0.1:9/hint");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add endpoint" }).ClickAsync();
        Assert.True((await page.Locator("#new-secret").InputValueAsync()).Length >= 32); // and it is so
        await CheckBothWidthsAsync(page, "webhooks-hint");
    }

    private static async Task LogInByEmailAsync(IPage page, string email, string password)
    {
        await page.GotoAsync("/account/login");
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await page.WaitForLoadStateAsync();
    }

    /// <summary>axe at desktop width, then at 390 px: axe again, and nothing wider than the viewport.</summary>
    private static async Task CheckBothWidthsAsync(IPage page, string name)
    {
        await page.SetViewportSizeAsync(1280, 800);
        await PortalPages.CheckAsync(page, name);
        await page.SetViewportSizeAsync(390, 844);
        await PortalPages.CheckAsync(page, name + "-390");
        int overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        string widest = overflow <= 0 ? "" : await page.EvaluateAsync<string>(
            "() => [...document.querySelectorAll('table')].map(t => getComputedStyle(t).display + '/' + getComputedStyle(t).overflowX + '/' + t.getBoundingClientRect().width).join(';') + ' ' + [...document.querySelectorAll('body *')].filter(e => !e.closest('table') && e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)"
            + ".slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).join(', ')");
        Assert.True(overflow <= 0, $"{name}: {overflow} px of horizontal scroll at 390 px: {widest}");
        await page.SetViewportSizeAsync(1280, 800);
    }
}
