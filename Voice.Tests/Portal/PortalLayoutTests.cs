using Microsoft.Playwright;

namespace Voice.Tests.Portal;

/// <summary>
/// Every portal page at a desktop and a phone width (390 px): nothing wider than the viewport, axe-core finds no
/// serious or critical problem, and a full-page screenshot of each (docs/screenshots, renewed with
/// VOICE_SCREENSHOTS=docs/screenshots). On the phone the navigation folds behind a Menu button that opens it.
/// </summary>
[Collection(Infrastructure.AppCollection.Name)]
public sealed class PortalLayoutTests(Infrastructure.VoiceAppFixture app) : BrowserTest
{
    private static readonly string[] SignedOutPages = ["/account/login", "/account/signup", "/account/forgot-password"];

    private static readonly string[] SignedInPages = ["/", "/playground", "/voices", "/jobs", "/usage", "/keys", "/webhooks", "/team", "/settings", "/status/404"];

    public static TheoryData<string, int> Widths => new() { { "desktop", 1280 }, { "phone", 390 } };

    [Theory]
    [MemberData(nameof(Widths))]
    public async Task EveryPageFitsTheScreenAndPassesAxe(string device, int width)
    {
        await using var context = await Browser.NewContextAsync(new() { BaseURL = PortalContextBase(), ViewportSize = new() { Width = width, Height = 844 } });
        var page = await context.NewPageAsync();
        foreach (string path in SignedOutPages)
        {
            await CheckPageAsync(page, path, device);
        }
        await PortalPages.SignUpAsync(page, "Layout check", snap: false);
        foreach (string path in SignedInPages)
        {
            await CheckPageAsync(page, path, device);
        }
    }

    [Fact]
    public async Task OnAPhoneTheMenuFoldsAndOpens()
    {
        await using var context = await Browser.NewContextAsync(new() { BaseURL = PortalContextBase(), ViewportSize = new() { Width = 390, Height = 844 } });
        var page = await context.NewPageAsync();
        await PortalPages.SignUpAsync(page, "Menu check", snap: false);
        var menu = page.GetByRole(AriaRole.Button, new() { Name = "Menu" });
        var usage = page.GetByRole(AriaRole.Navigation, new() { Name = "Portal" }).GetByRole(AriaRole.Link, new() { Name = "Usage" });

        await Assertions.Expect(menu).ToBeVisibleAsync();
        await Assertions.Expect(usage).ToBeHiddenAsync();
        await menu.ClickAsync();
        await Assertions.Expect(menu).ToHaveAttributeAsync("aria-expanded", "true");
        await usage.ClickAsync();
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/usage");

        await page.SetViewportSizeAsync(1280, 800);
        await Assertions.Expect(menu).ToBeHiddenAsync();
        await Assertions.Expect(usage).ToBeVisibleAsync();
    }

    private string PortalContextBase() => Aspire.Hosting.Testing.DistributedApplicationHostingTestingExtensions.GetEndpoint(app.App, "web", "http").ToString();

    private static async Task CheckPageAsync(IPage page, string path, string device)
    {
        await page.GotoAsync(path);
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        int[] widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        var (scrollWidth, innerWidth) = (widths[0], widths[1]);
        Assert.True(scrollWidth <= innerWidth, $"{path} at {device} width is {scrollWidth} px wide in a {innerWidth} px viewport");
        string name = path == "/" ? "dashboard" : path.Trim('/').Replace("account/", "", StringComparison.Ordinal).Replace('/', '-');
        await PortalPages.CheckAsync(page, $"{name}-{device}");
    }
}
