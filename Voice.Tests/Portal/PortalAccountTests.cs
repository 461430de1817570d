using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Portal;

/// <summary>
/// The portal's account pages in a real browser: a team grows by invitation and shrinks by removal, a forgotten
/// password is reset from the mailed link, a job is canceled from its page, a voice is cloned from a recording
/// made in the browser, and the owner deletes the workspace.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class PortalAccountTests(VoiceAppFixture app) : BrowserTest
{
    private const string Password = "a long enough password";
    [Fact]
    public async Task AnInvitedMemberJoinsSeesOnlyWhatMembersMayAndIsRemoved()
    {
        await using var ownerContext = await PortalPages.NewContextAsync(Browser, app);
        var owner = await ownerContext.NewPageAsync();
        string slug = await PortalPages.SignUpAsync(owner, "Team Audio", snap: false);
        string email = $"member@{slug}.test";

        await owner.GetByRole(AriaRole.Link, new() { Name = "Team" }).ClickAsync();
        await owner.GetByLabel("Email").FillAsync(email);
        await owner.GetByRole(AriaRole.Button, new() { Name = "Send invitation" }).ClickAsync();
        string link = await owner.Locator("#invite-link").InputValueAsync();
        await Assertions.Expect(owner.Locator("#invites")).ToContainTextAsync(email);
        await PortalPages.CheckAsync(owner, "team");
        var mail = await PortalPages.MailAsync(app, email, "invite");
        Assert.EndsWith("token=" + mail.GetProperty("token").GetString(), link, StringComparison.Ordinal); // the link shown is the link mailed

        // The invitee follows the link in their own browser, chooses a password, lands signed in as a member.
        await using var memberContext = await PortalPages.NewContextAsync(Browser, app);
        var member = await memberContext.NewPageAsync();
        await member.GotoAsync(new Uri(link).PathAndQuery);
        await PortalPages.CheckAsync(member, "accept-invite");
        await member.GetByLabel("Your name").FillAsync("Mia Member");
        await member.GetByLabel("Password").FillAsync(Password);
        await member.GetByRole(AriaRole.Button, new() { Name = "Join" }).ClickAsync();
        await member.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/");
        Assert.Equal(slug, await member.Locator("#workspace").TextContentAsync());
        Assert.Equal(0, await member.GetByRole(AriaRole.Link, new() { Name = "API keys" }).CountAsync()); // members do not manage keys
        await member.GotoAsync("/keys");
        await Assertions.Expect(member.Locator("#denied")).ToBeVisibleAsync();

        // The owner sees the member, makes them an admin and back, then removes them: their session ends.
        await owner.ReloadAsync();
        var row = owner.Locator($"#members tr[data-email='{email}']");
        await Assertions.Expect(row.Locator(".role")).ToHaveTextAsync("member");
        await owner.GetByRole(AriaRole.Button, new() { Name = $"Make admin: {email}" }).ClickAsync();
        await Assertions.Expect(row.Locator(".role")).ToHaveTextAsync("admin");
        Assert.Equal(0, await owner.Locator("#members tr", new() { HasText = Owner(slug) }).GetByRole(AriaRole.Button).CountAsync()); // the owner cannot be changed
        await owner.GetByRole(AriaRole.Button, new() { Name = $"Remove {email}" }).ClickAsync();
        await Assertions.Expect(row).ToHaveCountAsync(0);
        await Task.Delay(TimeSpan.FromSeconds(1.1)); // credentials are cached for a second by each API replica
        await member.GotoAsync("/");
        Assert.StartsWith("/account/login", new Uri(member.Url).AbsolutePath, StringComparison.Ordinal);
        await Assertions.Expect(member.GetByText("Your session ended.")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task AForgottenPasswordIsResetFromTheMailedLink()
    {
        await using var context = await PortalPages.NewContextAsync(Browser, app);
        var page = await context.NewPageAsync();
        string slug = await PortalPages.SignUpAsync(page, "Forgetful Audio", snap: false);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Forgot your password?" }).ClickAsync();
        await page.GetByLabel("Workspace").FillAsync(slug);
        await page.GetByLabel("Email").FillAsync(PortalPages.Owner(slug));
        await page.GetByRole(AriaRole.Button, new() { Name = "Mail me a reset link" }).ClickAsync();
        await Assertions.Expect(page.Locator("#sent")).ToBeVisibleAsync();
        await PortalPages.CheckAsync(page, "forgot-password");

        string text = (await PortalPages.MailAsync(app, PortalPages.Owner(slug), "password_reset")).GetProperty("text").GetString()!;
        string link = text.Split('\n').Single(l => l.Contains("/account/reset-password?token=", StringComparison.Ordinal));
        // A forged or mistyped token is refused with the API's reason.
        await page.GotoAsync("/account/reset-password?token=vt_abcdefghijkl_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef");
        await page.GetByLabel("New password").FillAsync("a brand new long password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set password" }).ClickAsync();
        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("This reset link is invalid, used or expired.");
        await PortalPages.CheckAsync(page, "reset-password");
        await page.GotoAsync(new Uri(link).PathAndQuery); // the link in the mail points at this portal
        await page.GetByLabel("New password").FillAsync("a brand new long password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set password" }).ClickAsync();
        await Assertions.Expect(page.Locator("#reset-done")).ToBeVisibleAsync();

        await LogInAsync(page, slug, Password);
        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("Wrong workspace, email or password.");
        await LogInAsync(page, slug, "a brand new long password");
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/");
    }

    [Fact]
    public async Task AQueuedJobIsCanceledFromItsPage()
    {
        await using var context = await PortalPages.NewContextAsync(Browser, app);
        var page = await context.NewPageAsync();
        string slug = await PortalPages.SignUpAsync(page, "Impatient Audio", snap: false);
        // Keep the workers busy with long texts of another tenant, so the job waits in the queue.
        var busy = await app.CreateTenantAsync();
        using var busyApi = app.CreateApiClient(busy.ApiKey);
        string longText = string.Concat(Enumerable.Repeat("This sentence keeps a worker busy for a while. ", 90));
        // Twice as long: the portal's job waits at least until one of the two running finishes, and a slower machine
        // only lengthens the wait. Three are enough to fill both slots (the rest are canceled at the end).
        string busyText = string.Concat(Enumerable.Repeat(longText, 2));
        var backlog = new List<Guid>();
        for (int i = 0; i < 3; i++)
        {
            using var submitted = await busyApi.PostAsJsonAsync("/api/v1/voice/generate", new { text = busyText });
            backlog.Add((await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetGuid());
        }
        try
        {
            await page.GotoAsync("/playground");
            await page.GetByLabel("Text").FillAsync(longText);
            await page.GetByRole(AriaRole.Button, new() { Name = "Generate speech" }).ClickAsync();
            string taskId = (await page.Locator("#task").GetAttributeAsync("data-task-id"))!;
            await page.GotoAsync($"/jobs/{taskId}");
            await page.GetByRole(AriaRole.Button, new() { Name = "Cancel job" }).ClickAsync();
            await Assertions.Expect(page.Locator("#message")).ToHaveTextAsync("Cancel requested.");
            await Assertions.Expect(page.Locator("#job-status")).ToContainTextAsync(new System.Text.RegularExpressions.Regex("canceled|cancel requested"));
            for (int i = 0; i < 60 && (await page.Locator("#job-status").TextContentAsync())!.Trim() != "canceled"; i++)
            {
                await Task.Delay(500);
                await page.ReloadAsync();
            }
            Assert.Equal("canceled", (await page.Locator("#job-status").TextContentAsync())!.Trim());
            Assert.Equal(0, await page.Locator("#player").CountAsync());

            // Another tenant reaches neither the page nor the cancel.
            await using var otherContext = await PortalPages.NewContextAsync(Browser, app);
            var other = await otherContext.NewPageAsync();
            await PortalPages.SignUpAsync(other, "Nosy Audio", snap: false);
            var response = await other.GotoAsync($"/jobs/{taskId}");
            Assert.Equal(404, response!.Status);
        }
        finally
        {
            foreach (var id in backlog)
            {
                await busyApi.DeleteAsync($"/api/v1/task/{id}");
            }
        }
    }

    [Fact]
    public async Task TheOwnerRenamesAndDeletesTheWorkspace()
    {
        await using var context = await PortalPages.NewContextAsync(Browser, app);
        var page = await context.NewPageAsync();
        string slug = await PortalPages.SignUpAsync(page, "Short Lived Audio", snap: false);

        await page.GetByRole(AriaRole.Link, new() { Name = "Settings" }).ClickAsync();
        await Assertions.Expect(page.Locator("#retention")).ToContainTextAsync("days");
        await page.GetByLabel("New name").FillAsync("Renamed Audio");
        await page.GetByRole(AriaRole.Button, new() { Name = "Rename" }).ClickAsync();
        await Assertions.Expect(page.Locator("#workspace-name")).ToHaveTextAsync("Renamed Audio");
        await PortalPages.CheckAsync(page, "settings");

        await page.GetByLabel("to confirm").FillAsync("not-" + slug);
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete workspace" }).ClickAsync();
        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("Type the workspace's slug");
        await page.GetByLabel("to confirm").FillAsync(slug);
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete workspace" }).ClickAsync();
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath.StartsWith("/account/login", StringComparison.Ordinal));
        Assert.Equal("?deleted=true", new Uri(page.Url).Query);
        await Assertions.Expect(page.Locator("#deleted")).ToBeVisibleAsync();

        await LogInAsync(page, slug, Password);
        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("Wrong workspace, email or password.");
        using var admin = app.CreateAdminClient();
        var tenants = await admin.GetFromJsonAsync<JsonElement>("/admin/v1/tenants?limit=1000");
        Assert.DoesNotContain(tenants.GetProperty("data").EnumerateArray(), t => t.GetProperty("slug").GetString() == slug);
    }

    [Fact]
    public async Task AVoiceIsClonedFromARecordingMadeInTheBrowser()
    {
        // Chromium's fake microphone plays a WAV file: a person reading the reference text.
        string speech = Path.Combine(Path.GetTempPath(), $"microphone-{Guid.NewGuid():N}.wav");
        await File.WriteAllBytesAsync(speech, await PortalPages.ReferenceRecordingAsync());
        await using var browser = await PortalPages.LaunchAsync(Playwright,
            "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", $"--use-file-for-fake-audio-capture={speech}");
        await using var context = await PortalPages.NewContextAsync(browser, app);
        await context.GrantPermissionsAsync(["microphone"]);
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add(message.Text);
            }
        };
        await PortalPages.SignUpAsync(page, "Recording Audio", snap: false);

        await page.GetByRole(AriaRole.Link, new() { Name = "Voices" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Record with the microphone" }).ClickAsync();
        await Assertions.Expect(page.Locator("#record-status")).ToContainTextAsync("Recording… 6 s", new() { Timeout = 30_000 });
        await page.GetByRole(AriaRole.Button, new() { Name = "Stop recording" }).ClickAsync();
        await Assertions.Expect(page.Locator("#record-status")).ToContainTextAsync("Recorded");
        Assert.Equal("recording.wav", await page.Locator("#recording").EvaluateAsync<string>("i => i.files[0].name"));
        int bytes = await page.Locator("#recording").EvaluateAsync<int>("i => i.files[0].size");
        Assert.True(bytes > 6 * 16_000 * 2, $"{bytes} bytes"); // ≥ 6 s of 16-bit audio at any rate the browser records
        await PortalPages.CheckAsync(page, "voices-recorded");

        await page.Locator("#clone-name").FillAsync("Recorded voice");
        await page.GetByLabel("What the recording says").FillAsync(PortalPages.ReferenceText);
        await page.Locator("#consent").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Clone voice" }).ClickAsync();
        await Assertions.Expect(page.Locator("#quality")).ToContainTextAsync("s of speech");
        await Assertions.Expect(page.Locator("#voices .voice-card", new() { HasText = "Recorded voice" })).ToHaveCountAsync(1);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    private static string Owner(string slug) => PortalPages.Owner(slug);

    private static async Task LogInAsync(IPage page, string slug, string password)
    {
        await page.GotoAsync("/account/login");
        await page.GetByLabel("Workspace").FillAsync(slug);
        await page.GetByLabel("Email").FillAsync(PortalPages.Owner(slug));
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
    }
}
