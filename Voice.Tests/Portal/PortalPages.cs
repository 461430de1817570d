using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.Testing;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Portal;

/// <summary>What the browser tests share: launching Debian's chromium, signing up through the form, screenshots, accessibility checks.</summary>
internal static class PortalPages
{
    /// <summary>Where screenshots go: artifacts/screenshots, or VOICE_SCREENSHOTS (docs/screenshots when they are renewed for the README).</summary>
    public static readonly string Screenshots = Environment.GetEnvironmentVariable("VOICE_SCREENSHOTS") is { Length: > 0 } folder
        ? Path.GetFullPath(folder, RepositoryPaths.Root)
        : Path.Combine(RepositoryPaths.Root, "artifacts", "screenshots");

    public const string ReferenceText = "Good morning. I am recording a short sample of my voice, so that the platform can learn how I speak.";

    public static Task<IBrowser> LaunchAsync(IPlaywright playwright, params string[] args)
    {
        // A loaded CI box (two cores, the whole platform beside the browser) is slower than Playwright's 5 s default.
        Assertions.SetDefaultExpectTimeout(20_000);
        return playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = ["--no-sandbox", .. args] });
    }

    public static Task<IBrowserContext> NewContextAsync(IBrowser browser, VoiceAppFixture app) =>
        browser.NewContextAsync(new() { BaseURL = app.App.GetEndpoint("web", "http").ToString(), AcceptDownloads = true });

    /// <summary>Signs up a new workspace through the form and waits for the dashboard; returns its slug.</summary>
    public static async Task<string> SignUpAsync(IPage page, string name, bool snap)
    {
        string slug = "p-" + Guid.NewGuid().ToString("N")[..10];
        // Every browser test signs up from loopback: each page speaks for a network of its own (the portal trusts
        // loopback as a proxy), so the suite's sign-ups do not add up to the per-network cap of SignUpCapTests.
        await page.SetExtraHTTPHeadersAsync(new Dictionary<string, string> { ["X-Forwarded-For"] = $"198.19.{Random.Shared.Next(256)}.{Random.Shared.Next(1, 255)}" });
        await page.GotoAsync("/account/signup");
        if (snap)
        {
            await CheckAsync(page, "signup");
        }
        await page.GetByLabel("Company or team name").FillAsync(name);
        await page.Locator("#slug").FillAsync(slug);
        await page.GetByLabel("Your email").FillAsync(Owner(slug));
        await page.GetByLabel("Password").FillAsync("a long enough password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create workspace" }).ClickAsync();
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/");
        return slug;
    }

    public static string Owner(string slug) => $"owner@{slug}.test";

    /// <summary>A screenshot of the page in <c>artifacts/screenshots/</c>, and axe-core's check: no serious or critical violation.</summary>
    public static async Task CheckAsync(IPage page, string name)
    {
        Directory.CreateDirectory(Screenshots);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, $"portal-{name}.png"), FullPage = true });
        var results = await page.RunAxe();
        var serious = results.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, $"{name}: " + string.Join("\n", serious.Select(v =>
            $"{v.Impact} {v.Id}: {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Target?.ToString()))}")));
    }

    /// <summary>The newest account mail of a kind held for an address in the development mailbox.</summary>
    public static async Task<JsonElement> MailAsync(VoiceAppFixture app, string to, string kind)
    {
        using var admin = app.CreateAdminClient();
        var mails = await admin.GetFromJsonAsync<JsonElement>($"/admin/v1/mailbox?to={Uri.EscapeDataString(to)}");
        return mails.EnumerateArray().First(m => m.GetProperty("kind").GetString() == kind);
    }

    /// <summary>A speaker's recording, as a WAV file: the embedded engine reading the reference text.</summary>
    public static async Task<byte[]> ReferenceRecordingAsync()
    {
        var engine = new Voice.Speech.Espeak.EspeakEngine();
        var prompt = await engine.CreateVoiceAsync(new Voice.Speech.Engines.PresetVoiceSpec("shimmer", "en"), CancellationToken.None);
        var samples = new List<float>();
        await foreach (var chunk in engine.SynthesizeAsync(new Voice.Speech.Engines.SynthesisRequest(ReferenceText, "en", prompt), CancellationToken.None))
        {
            samples.AddRange(chunk.Samples.Span);
        }
        return AudioTools.Wav16([.. samples], 22_050);
    }
}
