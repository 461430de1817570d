using Aspire.Hosting.Testing;
using System.Diagnostics;
using Microsoft.Playwright;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Portal;

/// <summary>
/// The playground as a creator uses it: the request survives a generation, a link preselects a voice, the
/// characters are counted, recent generations replay and download under a readable name, the player can seek
/// (ranges), and the code snippets write audio when run.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class PortalPlaygroundTests(VoiceAppFixture app) : BrowserTest
{
    private const string Sentence = "Playground memory test: keep every field after generating.";

    [Fact]
    public async Task ThePlaygroundKeepsTheRequestCountsListsHistoryAndServesRanges()
    {
        await using var context = await PortalPages.NewContextAsync(Browser, app);
        var page = await context.NewPageAsync();
        var consoleErrors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                consoleErrors.Add(message.Text);
            }
        };
        await PortalPages.SignUpAsync(page, "Playground Memory", snap: false);

        // ?voice= preselects a voice (the voices page links here that way).
        await page.GotoAsync("/playground");
        string voice = (await page.Locator("#voice option").Nth(1).GetAttributeAsync("value"))!;
        string voiceName = (await page.Locator("#voice option").Nth(1).TextContentAsync())!.Split(" (")[0].Trim();
        await page.GotoAsync($"/playground?voice={Uri.EscapeDataString(voice)}");
        Assert.Equal(voice, await page.Locator("#voice").InputValueAsync());
        await Assertions.Expect(page.Locator("#no-history")).ToBeVisibleAsync();

        // The counter follows the text, against the per-request limit and the month.
        await page.GetByLabel("Text").FillAsync("Twelve chars");
        await Assertions.Expect(page.Locator("#char-used")).ToHaveTextAsync("12");
        await Assertions.Expect(page.Locator("#char-count")).ToContainTextAsync("characters per request");
        await Assertions.Expect(page.Locator("#char-count")).ToContainTextAsync("left this month");

        // Generate: the whole request is still in the form afterwards.
        await page.GetByLabel("Text").FillAsync(Sentence);
        await page.Locator("#format").SelectOptionAsync("mp3");
        await page.Locator("#speed").FillAsync("1.25");
        await page.GetByRole(AriaRole.Button, new() { Name = "Generate speech" }).ClickAsync();
        await Assertions.Expect(page.Locator("#task-status")).ToHaveTextAsync("completed", new() { Timeout = 60_000 });
        string taskId = (await page.Locator("#task").GetAttributeAsync("data-task-id"))!;
        Assert.Equal(Sentence, await page.Locator("#text").InputValueAsync());
        Assert.Equal(voice, await page.Locator("#voice").InputValueAsync());
        Assert.Equal("mp3", await page.Locator("#format").InputValueAsync());
        Assert.Equal("1.25", await page.Locator("#speed").InputValueAsync());
        await Assertions.Expect(page.Locator("#char-used")).ToHaveTextAsync(Sentence.Length.ToString("N0"));

        // The snippets make audio from the same request, with a key placeholder.
        await page.Locator("#snippets summary").ClickAsync();
        string curl = (await page.Locator("#snippet-curl").TextContentAsync())!;
        Assert.Contains("/v1/audio/speech", curl, StringComparison.Ordinal);
        Assert.Contains("-o speech.mp3", curl, StringComparison.Ordinal);
        Assert.Contains($"\"voice\":\"{voice}\"", curl, StringComparison.Ordinal);
        Assert.Contains("$VOICE_API_KEY", curl, StringComparison.Ordinal);
        foreach (string snippet in new[] { "#snippet-openai", "#snippet-js", "#snippet-csharp" })
        {
            await Assertions.Expect(page.Locator(snippet)).ToContainTextAsync("speech.mp3");
            await Assertions.Expect(page.Locator(snippet)).ToContainTextAsync("VOICE_API_KEY");
        }
        await PortalPages.CheckAsync(page, "playground-kept");

        // The player knows the length; the proxy answers ranges with 206.
        var player = page.Locator("#player");
        await Assertions.Expect(player).ToBeVisibleAsync();
        double duration = await player.EvaluateAsync<double>(
            "a => new Promise(done => { if (a.readyState >= 1) done(a.duration); else a.addEventListener('loadedmetadata', () => done(a.duration)); a.load(); })");
        Assert.True(double.IsFinite(duration) && duration > 0.5, $"duration {duration}");
        var whole = await page.APIRequest.GetAsync($"/tasks/{taskId}/audio");
        Assert.Equal(200, whole.Status);
        long length = long.Parse(whole.Headers["content-length"]);
        Assert.Equal(length, (await whole.BodyAsync()).Length);
        Assert.Equal("bytes", whole.Headers["accept-ranges"]);
        var range = await page.APIRequest.GetAsync($"/tasks/{taskId}/audio", new() { Headers = new Dictionary<string, string> { ["Range"] = "bytes=100-199" } });
        Assert.Equal(206, range.Status);
        Assert.Equal($"bytes 100-199/{length}", range.Headers["content-range"]);
        Assert.Equal(100, (await range.BodyAsync()).Length);

        // History: the generation, with its words, voice and length; replay and download under a readable name.
        await page.GotoAsync("/playground");
        var item = page.Locator($"#history li[data-task-id='{taskId}']");
        await Assertions.Expect(item.Locator(".said")).ToContainTextAsync("Playground memory test:");
        await Assertions.Expect(item.Locator(".voice")).ToHaveTextAsync(voiceName);
        await Assertions.Expect(item.Locator(".duration")).ToContainTextAsync("0:0");
        await Assertions.Expect(item.Locator("audio")).ToHaveAttributeAsync("src", $"/tasks/{taskId}/audio");
        var download = await page.RunAndWaitForDownloadAsync(() => item.Locator("a.download").ClickAsync());
        string expected = $"voice-{PortalFormatName(voiceName)}-playground-memory-test-keep-every-{DateTime.UtcNow:yyyy-MM-dd}.mp3";
        Assert.Equal(expected, download.SuggestedFilename);
        var named = await page.APIRequest.GetAsync($"/tasks/{taskId}/audio?name={Uri.EscapeDataString(expected)}");
        Assert.Contains($"filename={expected}", named.Headers["content-disposition"], StringComparison.Ordinal);
        await PortalPages.CheckAsync(page, "playground-history");
        Assert.True(consoleErrors.Count == 0, string.Join("\n", consoleErrors));

        // Run the curl snippet as a user would, with a real key: it writes audio.
        var tenant = await app.CreateTenantAsync();
        string directory = Directory.CreateTempSubdirectory("snippet-").FullName;
        var start = new ProcessStartInfo("bash", ["-c", curl]) { WorkingDirectory = directory };
        start.Environment["VOICE_API_KEY"] = tenant.ApiKey;
        var run = await Processes.RunAsync(start, TimeSpan.FromSeconds(90));
        Assert.True(run.Code == 0, run.All);
        byte[] audio = await File.ReadAllBytesAsync(Path.Combine(directory, "speech.mp3"));
        Assert.True(audio.Length > 2_000, $"{audio.Length} bytes: {System.Text.Encoding.UTF8.GetString(audio.AsSpan(0, Math.Min(200, audio.Length)))}");
        Assert.True(audio[0] == 0xFF || System.Text.Encoding.ASCII.GetString(audio, 0, 3) == "ID3", "not MP3");
    }

    [Fact]
    public async Task ThePlaygroundFitsAPhoneAndPassesAxe()
    {
        await using var context = await Browser.NewContextAsync(new()
        {
            BaseURL = app.App.GetEndpoint("web", "http").ToString(),
            ViewportSize = new() { Width = 390, Height = 844 },
        });
        var page = await context.NewPageAsync();
        await PortalPages.SignUpAsync(page, "Playground Phone", snap: false);
        await page.GotoAsync("/playground");
        await page.GetByLabel("Text").FillAsync("A phone-sized generation.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Generate speech" }).ClickAsync();
        await Assertions.Expect(page.Locator("#task-status")).ToHaveTextAsync("completed", new() { Timeout = 60_000 });
        await page.Locator("#snippets summary").ClickAsync();
        await page.ReloadAsync();
        await page.Locator("#snippets summary").ClickAsync();
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= innerWidth"),
            $"scrollWidth {await page.EvaluateAsync<int>("document.documentElement.scrollWidth")}");
        await PortalPages.CheckAsync(page, "playground-390");
    }

    /// <summary>The voice name as it appears in a file name.</summary>
    private static string PortalFormatName(string name) => Voice.Web.Services.PortalFormat.Slug(name, 30);
}
