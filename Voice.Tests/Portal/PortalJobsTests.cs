using Aspire.Hosting.Testing;
using Microsoft.Playwright;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Portal;

/// <summary>
/// The jobs list reads like a history: the kind, the voice by name, the first words, the length and the cost; the
/// end of each id (time-ordered ids share their start); empty filters that say what they filtered; no dead links.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class PortalJobsTests(VoiceAppFixture app) : BrowserTest
{
    [Theory]
    [InlineData(1280, "desktop")]
    [InlineData(390, "390")]
    public async Task JobsShowKindVoiceTextLengthAndCostWithoutDeadLinks(int width, string name)
    {
        await using var context = await Browser.NewContextAsync(new()
        {
            BaseURL = app.App.GetEndpoint("web", "http").ToString(),
            ViewportSize = new() { Width = width, Height = 900 },
        });
        var page = await context.NewPageAsync();
        await PortalPages.SignUpAsync(page, "Jobs Reader", snap: false);

        // A voice setup job (cloning a voice: a design's candidates are prepared by their previews) and a speech job with it.
        await page.GotoAsync("/voices");
        string recording = Path.Combine(Path.GetTempPath(), $"reference-jobs-{Guid.NewGuid():N}.wav");
        await File.WriteAllBytesAsync(recording, await PortalPages.ReferenceRecordingAsync());
        await page.Locator("#clone-name").FillAsync("Quillfeather");
        await page.Locator("#recording").SetInputFilesAsync(recording);
        await page.GetByLabel("What the recording says").FillAsync(PortalPages.ReferenceText);
        await page.Locator("#consent").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Clone voice" }).ClickAsync();
        await Assertions.Expect(page.Locator("#created")).ToContainTextAsync("Quillfeather");
        File.Delete(recording);
        await page.GotoAsync("/playground");
        await page.Locator("#voice").SelectOptionAsync(new SelectOptionValue { Label = (await page.Locator("#voice option", new() { HasText = "Quillfeather" }).TextContentAsync())!.Trim() });
        await page.GetByLabel("Text").FillAsync("Once upon a time, the jobs page learned to read.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Generate speech" }).ClickAsync();
        await Assertions.Expect(page.Locator("#task-status")).ToHaveTextAsync("completed", new() { Timeout = 60_000 });
        string taskId = (await page.Locator("#task").GetAttributeAsync("data-task-id"))!;

        await page.GotoAsync("/jobs");
        var speech = page.Locator($"#jobs tr[data-task-id='{taskId}']");
        await Assertions.Expect(speech.Locator(".kind")).ToHaveTextAsync("Speech");
        await Assertions.Expect(speech.Locator(".voice")).ToHaveTextAsync("Quillfeather");
        await Assertions.Expect(speech.Locator(".said")).ToContainTextAsync("Once upon a time, the jobs page");
        await Assertions.Expect(speech.Locator(".duration")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^0:\d\d$"));
        await Assertions.Expect(speech.Locator(".cost")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\$\d"));
        var idLink = speech.Locator("td").First.Locator("a");
        await Assertions.Expect(idLink).ToContainTextAsync(taskId[^8..]);
        await Assertions.Expect(idLink).ToHaveAttributeAsync("title", $"Job {taskId}");
        var setup = page.Locator("#jobs tbody tr", new() { Has = page.Locator(".kind", new() { HasText = "Voice setup" }) });
        await Assertions.Expect(setup).ToHaveCountAsync(1);
        await Assertions.Expect(setup.Locator(".voice")).ToHaveTextAsync("Quillfeather");
        Assert.Equal(0, await setup.Locator("a.audio").CountAsync()); // a voice setup makes no audio to link to

        // Every link on the page leads somewhere.
        foreach (string href in await page.Locator("main a[href]").EvaluateAllAsync<string[]>("links => links.map(a => a.getAttribute('href'))"))
        {
            var response = await page.APIRequest.GetAsync(href);
            Assert.True(response.Status == 200, $"{href}: {response.Status}");
        }
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= innerWidth"),
            $"scrollWidth {await page.EvaluateAsync<int>("document.documentElement.scrollWidth")} at {width}");
        await PortalPages.CheckAsync(page, $"jobs-{name}");

        // The job's own page: the full id, the kind, the voice by name.
        await idLink.ClickAsync();
        await Assertions.Expect(page.Locator("#job-id")).ToHaveTextAsync(taskId);
        await Assertions.Expect(page.Locator("#job-kind")).ToHaveTextAsync("Speech");
        await Assertions.Expect(page.Locator("#job-voice")).ToHaveTextAsync("Quillfeather");
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= innerWidth"));
        await PortalPages.CheckAsync(page, $"job-{name}");

        // A filter that matches nothing says so.
        await page.GotoAsync("/jobs");
        await page.Locator("#status").SelectOptionAsync("failed");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(page.Locator("#no-jobs")).ToContainTextAsync("No failed jobs.");
        await PortalPages.CheckAsync(page, $"jobs-failed-{name}");
    }
}
