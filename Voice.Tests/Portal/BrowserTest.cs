using Microsoft.Playwright;

namespace Voice.Tests.Portal;

/// <summary>A test class with its own headless chromium (Debian's), launched before its tests and closed after them.</summary>
public abstract class BrowserTest : IAsyncLifetime
{
    protected IPlaywright Playwright { get; private set; } = null!;

    protected IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await PortalPages.LaunchAsync(Playwright);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        Playwright?.Dispose();
    }
}
