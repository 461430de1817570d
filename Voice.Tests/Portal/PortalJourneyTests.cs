using System.Net;
using System.Net.Http.Json;
using Aspire.Hosting.Testing;
using Microsoft.Playwright;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Portal;

/// <summary>
/// The portal in a real browser (Playwright driving Debian's chromium, headless): a new tenant's whole first
/// visit, with a screenshot of every page in <c>artifacts/screenshots/</c>.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class PortalJourneyTests(VoiceAppFixture app) : BrowserTest
{
    [Fact]
    public async Task ANewTenantSignsUpHearsSpeechMakesAndRevokesAKeySeesTheJobAndSignsOut()
    {
        await using var context = await Browser.NewContextAsync(new() { BaseURL = app.App.GetEndpoint("web", "http").ToString(), AcceptDownloads = true });
        var page = await context.NewPageAsync();
        var consoleErrors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                consoleErrors.Add(message.Text); // a CSP violation would land here
            }
        };
        // Sign up: a workspace and its owner, signed in at once.
        string slug = await PortalPages.SignUpAsync(page, "Browser Test Audio", snap: true);
        Assert.Equal(slug, await page.Locator("#workspace").TextContentAsync());
        await Assertions.Expect(page.Locator("#no-recent")).ToBeVisibleAsync(); // the dashboard of an empty workspace
        await Assertions.Expect(page.Locator("#verify-banner")).ToContainTextAsync(PortalPages.Owner(slug));
        Assert.StartsWith("0 of", await page.Locator("#used-characters").TextContentAsync(), StringComparison.Ordinal);

        // Voices: design one from a description (candidates to hear; keep one), clone one from a recording (with consent).
        await page.GetByRole(AriaRole.Link, new() { Name = "Voices" }).ClickAsync();
        await page.Locator("#design-name").FillAsync("Narrator");
        await page.GetByLabel("Description").FillAsync("a warm, low-pitched male narrator");
        await page.GetByRole(AriaRole.Button, new() { Name = "Design voice" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Keep candidate 1" }).ClickAsync(new() { Timeout = 60_000 }); // enabled once ready
        await Assertions.Expect(page.Locator("#created")).ToContainTextAsync("Narrator");
        string recording = Path.Combine(Path.GetTempPath(), $"reference-{slug}.wav");
        await File.WriteAllBytesAsync(recording, await PortalPages.ReferenceRecordingAsync());
        await page.Locator("#clone-name").FillAsync("My clone");
        await page.Locator("#recording").SetInputFilesAsync(recording);
        await page.GetByLabel("What the recording says").FillAsync(PortalPages.ReferenceText);
        await page.GetByRole(AriaRole.Button, new() { Name = "Clone voice" }).ClickAsync();
        Assert.Contains("Confirm that the speaker agreed", await page.Locator("#consent-error").TextContentAsync()); // no consent, no clone
        Assert.Equal("My clone", await page.Locator("#clone-name").InputValueAsync()); // what was typed survives the refusal
        await page.Locator("#recording").SetInputFilesAsync(recording);
        await page.Locator("#consent").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Clone voice" }).ClickAsync();
        await Assertions.Expect(page.Locator("#quality")).ToContainTextAsync("s of speech");
        for (int i = 0; i < 60 && await page.Locator("#voices .status", new() { HasText = "preparing" }).CountAsync() > 0; i++)
        {
            await Task.Delay(500);
            await page.ReloadAsync();
        }
        await Assertions.Expect(page.Locator("#voices .voice-card")).ToHaveCountAsync(2);
        Assert.Equal(2, await page.Locator("#voices .status", new() { HasText = "ready" }).CountAsync());
        await PortalPages.CheckAsync(page, "voices");

        // Playground: generate with the cloned voice, wait for the audio, download it.
        await page.GetByRole(AriaRole.Link, new() { Name = "Playground", Exact = true }).ClickAsync();
        await page.GetByLabel("Voice", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = (await page.Locator("#voice option", new() { HasText = "My clone" }).TextContentAsync())!.Trim() });
        await page.GetByLabel("Text").FillAsync("The browser asked for this sentence.");
        // The code snippets follow the form as it is edited.
        await page.Locator("#snippets summary").ClickAsync();
        await Assertions.Expect(page.Locator("#snippet-curl")).ToContainTextAsync("The browser asked for this sentence.");
        await Assertions.Expect(page.Locator("#snippet-openai")).ToContainTextAsync("input=\"The browser asked for this sentence.\"");
        await page.GetByRole(AriaRole.Button, new() { Name = "Generate speech" }).ClickAsync();
        await Assertions.Expect(page.Locator("#task-status")).ToHaveTextAsync("completed", new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("#player")).ToBeVisibleAsync();
        await PortalPages.CheckAsync(page, "playground");
        string taskId = (await page.Locator("#task").GetAttributeAsync("data-task-id"))!;
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("#download").ClickAsync());
        byte[] audio = await File.ReadAllBytesAsync((await download.PathAsync())!);
        Assert.True(audio.Length > 10_000, $"{audio.Length} bytes");
        Assert.Equal("RIFF", System.Text.Encoding.ASCII.GetString(audio, 0, 4));

        // API keys wait for the owner's address: the page says so, a new link is mailed, the link verifies.
        await page.GetByRole(AriaRole.Link, new() { Name = "API keys" }).ClickAsync();
        await Assertions.Expect(page.Locator("#verify-banner")).ToBeVisibleAsync();
        await page.GetByLabel("Name").FillAsync("too early");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("verify their email address");
        Assert.Equal(0, await page.Locator("#new-key").CountAsync());
        await page.GetByRole(AriaRole.Button, new() { Name = "Send the link again" }).ClickAsync();
        await Assertions.Expect(page.Locator("#resent")).ToBeVisibleAsync();
        string verification = await app.TokenAsync(PortalPages.Owner(slug), "email_verification");
        await page.GotoAsync($"/account/verify-email?token={Uri.EscapeDataString(verification)}");
        await PortalPages.CheckAsync(page, "verify-email");
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify my address" }).ClickAsync();
        await Assertions.Expect(page.Locator("#verified")).ToBeVisibleAsync();

        // API keys: create one (the secret shown once), use it, revoke it: the API then refuses it.
        await page.GetByRole(AriaRole.Link, new() { Name = "Go to API keys" }).ClickAsync();
        await Assertions.Expect(page.Locator("#create-key")).ToBeVisibleAsync();
        Assert.Equal(0, await page.Locator("#verify-banner").CountAsync());
        await page.GetByLabel("Name").FillAsync("from the browser");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        string key = await page.Locator("#new-key").InputValueAsync();
        Assert.StartsWith("vk_", key, StringComparison.Ordinal);
        await PortalPages.CheckAsync(page, "keys");
        using (var api = app.CreateApiClient(key))
        {
            Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/tenant")).StatusCode);
            await page.GetByRole(AriaRole.Button, new() { Name = "Revoke from the browser" }).ClickAsync();
            await page.WaitForURLAsync(url => !url.Contains("handler=", StringComparison.Ordinal)); // the post redirects back to the list
            await Assertions.Expect(page.Locator("#keys tbody tr", new() { HasText = "from the browser" })).ToContainTextAsync("revoked");
            Assert.False(await page.Locator("#new-key").IsVisibleAsync()); // the secret is not shown again
            await Task.Delay(TimeSpan.FromSeconds(1.1)); // the API caches credentials for a second
            Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/api/v1/tenant")).StatusCode);
        }

        // Jobs: the task is listed, completed; its page has the request, the audio and no cancel button.
        await page.GetByRole(AriaRole.Link, new() { Name = "Jobs" }).ClickAsync();
        var row = page.Locator($"#jobs tr[data-task-id='{taskId}']");
        await Assertions.Expect(row.Locator(".status")).ToHaveTextAsync("completed");
        await PortalPages.CheckAsync(page, "jobs");
        await row.Locator("a").First.ClickAsync();
        await Assertions.Expect(page.Locator("#job-status")).ToHaveTextAsync("completed");
        await Assertions.Expect(page.Locator("#job-audio")).ToContainTextAsync(" s, ");
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "Cancel job" }).CountAsync());
        await PortalPages.CheckAsync(page, "job");

        // The dashboard now shows the job and the characters used.
        await page.GetByRole(AriaRole.Link, new() { Name = "Dashboard" }).ClickAsync();
        await Assertions.Expect(page.Locator($"#recent-jobs tr[data-task-id='{taskId}']")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#used-characters")).Not.ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^0 of"));
        await PortalPages.CheckAsync(page, "dashboard");

        // Usage: this month's characters against the quota, a bar for today, the records as CSV.
        await page.GetByRole(AriaRole.Link, new() { Name = "Usage" }).ClickAsync();
        await Assertions.Expect(page.Locator("#used-characters")).Not.ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^0 of"));
        Assert.True(await page.Locator("#usage-chart rect.bar[height]:not([height='0'])").CountAsync() >= 1);
        await PortalPages.CheckAsync(page, "usage");
        var csv = await page.RunAndWaitForDownloadAsync(() => page.Locator("#csv").ClickAsync());
        string[] lines = (await File.ReadAllTextAsync((await csv.PathAsync())!)).TrimEnd('\n').Split('\n');
        Assert.StartsWith("id,recorded_at,kind,job_id", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains(taskId, StringComparison.Ordinal));

        // Sign out: the portal's pages send the visitor to the login page again.
        await page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath.StartsWith("/account/login", StringComparison.Ordinal));
        await page.GotoAsync("/jobs");
        Assert.StartsWith("/account/login", new Uri(page.Url).AbsolutePath, StringComparison.Ordinal);
        await PortalPages.CheckAsync(page, "login");
        Assert.True(consoleErrors.Count == 0, string.Join("\n", consoleErrors));
    }

    [Fact]
    public async Task AWebhookEndpointShowsItsSecretOnceListsItsDeliveriesAndIsRemoved()
    {
        await using var context = await Browser.NewContextAsync(new() { BaseURL = app.App.GetEndpoint("web", "http").ToString() });
        var page = await context.NewPageAsync();
        await PortalPages.SignUpAsync(page, "Webhook Owner", snap: false);

        await page.GetByRole(AriaRole.Link, new() { Name = "Webhooks" }).ClickAsync();
        await page.GetByLabel("Endpoint URL").FillAsync("http://127.0.0.1:9/hook");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add endpoint" }).ClickAsync();
        Assert.True((await page.Locator("#new-secret").InputValueAsync()).Length >= 32);
        await PortalPages.CheckAsync(page, "webhooks");
        // A test event to a live receiver arrives and is reported; to the closed port it is reported as not delivered.
        await using (var receiver = await WebhookReceiver.StartAsync())
        {
            await page.GetByLabel("Endpoint URL").FillAsync(receiver.Url("/live"));
            await page.GetByRole(AriaRole.Button, new() { Name = "Add endpoint" }).ClickAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = $"Send test event to {receiver.Url("/live")}" }).ClickAsync();
            await Assertions.Expect(page.Locator("#test-result")).ToContainTextAsync("Test event delivered: HTTP 200");
            Assert.Equal("webhook.test", Assert.Single(receiver.Requests).Headers["Voice-Event"]);
            await page.GetByRole(AriaRole.Button, new() { Name = "Send test event to http://127.0.0.1:9/hook" }).ClickAsync();
            await Assertions.Expect(page.Locator("#test-result")).ToContainTextAsync("not delivered");
            await page.GetByRole(AriaRole.Button, new() { Name = $"Remove {receiver.Url("/live")}" }).ClickAsync();
        }

        // A job completes: its delivery to the (unreachable) endpoint is in the endpoint's log.
        await page.GetByRole(AriaRole.Link, new() { Name = "Playground", Exact = true }).ClickAsync();
        await page.GetByLabel("Text").FillAsync("Tell my webhook.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Generate speech" }).ClickAsync();
        await Assertions.Expect(page.Locator("#task-status")).ToHaveTextAsync("completed");
        await page.GetByRole(AriaRole.Link, new() { Name = "Webhooks" }).ClickAsync();
        Assert.Equal(0, await page.Locator("#new-secret").CountAsync()); // shown once only
        await page.GetByRole(AriaRole.Link, new() { Name = "Deliveries" }).ClickAsync();
        await Assertions.Expect(page.Locator("#deliveries tbody tr", new() { HasText = "task.completed" })).ToHaveCountAsync(1);

        await page.GetByRole(AriaRole.Button, new() { Name = "Remove http://127.0.0.1:9/hook" }).ClickAsync();
        await Assertions.Expect(page.Locator("#no-webhooks")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task AnotherTenantSeesNoneOfItAndCannotReachItByUrl()
    {
        var owner = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(owner.ApiKey);
        using var submitted = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = "Only the owner may see this job." });
        string taskId = (await submitted.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("task_id").GetString()!;

        await using var context = await Browser.NewContextAsync(new() { BaseURL = app.App.GetEndpoint("web", "http").ToString() });
        var page = await context.NewPageAsync();
        await PortalPages.SignUpAsync(page, "Other Tenant", snap: false);

        await page.GotoAsync("/jobs");
        Assert.Equal(0, await page.Locator($"[data-task-id='{taskId}']").CountAsync());
        Assert.True(await page.Locator("#no-jobs").IsVisibleAsync());
        var audio = await page.APIRequest.GetAsync($"/tasks/{taskId}/audio");
        Assert.Equal(404, audio.Status);
        var status = await page.APIRequest.GetAsync($"/tasks/{taskId}/status");
        Assert.Equal(404, status.Status);
    }
}
