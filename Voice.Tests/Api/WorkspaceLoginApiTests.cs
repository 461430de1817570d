using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Api;

/// <summary>Logging in by email without naming the workspace, and mailing a forgotten workspace id.</summary>
[Collection(AppCollection.Name)]
public sealed class WorkspaceLoginApiTests(VoiceAppFixture app)
{
    private const string Password = "a long enough password";

    [Fact]
    public async Task EmailAndPasswordOfferEveryWorkspaceWhereTheyMatchAndTheChoiceStartsASessionOnce()
    {
        string email = $"many-{Guid.NewGuid():N}@example.test";
        string first = await SignUpAsync(email, Password);
        string second = await SignUpAsync(email, Password);
        await SignUpAsync(email, "another long password"); // the same address, another password: not offered
        using var client = app.CreateApiClient();

        using var login = await client.PostAsJsonAsync("/api/v1/auth/login/email", new { email = email.ToUpperInvariant(), password = Password });

        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var body = await login.Content.ReadFromJsonAsync<JsonElement>();
        var offered = body.GetProperty("workspaces").EnumerateArray().Select(w => w.GetProperty("slug").GetString()).ToList();
        Assert.Equal([first, second], offered);
        string token = body.GetProperty("choice_token").GetString()!;
        using var chosen = await client.PostAsJsonAsync("/api/v1/auth/login/choose", new { choice_token = token, tenant = second });
        Assert.Equal(HttpStatusCode.OK, chosen.StatusCode);
        string session = (await chosen.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("session_token").GetString()!;
        using var portal = app.CreatePortalClient(session);
        Assert.Equal(second, (await portal.GetFromJsonAsync<JsonElement>("/api/v1/tenant")).GetProperty("slug").GetString());

        using var again = await client.PostAsJsonAsync("/api/v1/auth/login/choose", new { choice_token = token, tenant = first });
        await GenerateValidationTests.AssertProblemAsync(again, HttpStatusCode.BadRequest, "https://voice.dev/problems/invalid-token"); // used once
    }

    [Fact]
    public async Task AChoiceTokenOpensOnlyTheWorkspacesItOffers()
    {
        string email = $"one-{Guid.NewGuid():N}@example.test";
        await SignUpAsync(email, Password);
        var other = await app.CreateTenantAsync();
        using var client = app.CreateApiClient();
        using var login = await client.PostAsJsonAsync("/api/v1/auth/login/email", new { email, password = Password });
        string token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("choice_token").GetString()!;

        using var foreign = await client.PostAsJsonAsync("/api/v1/auth/login/choose", new { choice_token = token, tenant = other.Slug });

        await GenerateValidationTests.AssertProblemAsync(foreign, HttpStatusCode.BadRequest, "https://voice.dev/problems/invalid-token");
    }

    [Fact]
    public async Task UnknownEmailAndWrongPasswordGetTheSameAnswer()
    {
        string email = $"known-{Guid.NewGuid():N}@example.test";
        await SignUpAsync(email, Password);
        using var client = app.CreateApiClient();

        using var wrong = await client.PostAsJsonAsync("/api/v1/auth/login/email", new { email, password = Password + "x" });
        using var unknown = await client.PostAsJsonAsync("/api/v1/auth/login/email", new { email = "nobody-" + email, password = Password });

        var a = await GenerateValidationTests.AssertProblemAsync(wrong, HttpStatusCode.Unauthorized, "https://voice.dev/problems/unauthenticated");
        var b = await GenerateValidationTests.AssertProblemAsync(unknown, HttpStatusCode.Unauthorized, "https://voice.dev/problems/unauthenticated");
        Assert.Equal("Wrong email or password.", a.GetProperty("title").GetString());
        Assert.Equal(a.GetProperty("title").GetString(), b.GetProperty("title").GetString());
    }

    [Fact]
    public async Task RepeatedFailuresForOneEmailAreThrottledAcrossAddresses()
    {
        string email = $"guessed-{Guid.NewGuid():N}@example.test";
        await SignUpAsync(email, Password);
        HttpStatusCode last = HttpStatusCode.OK;
        for (int i = 0; i < 30 && last != HttpStatusCode.TooManyRequests; i++)
        {
            using var client = app.CreateApiClient(); // a fresh address each time: only the account's budget can stop it
            using var bad = await client.PostAsJsonAsync("/api/v1/auth/login/email", new { email, password = $"wrong password {i}" });
            last = bad.StatusCode;
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, last);
        using var right = await app.CreateApiClient().PostAsJsonAsync("/api/v1/auth/login/email", new { email, password = Password });
        Assert.Equal(HttpStatusCode.TooManyRequests, right.StatusCode); // locked: a right guess now reveals nothing
    }

    [Fact]
    public async Task FindWorkspacesMailsTheListAndAnswersTheSameForAnUnknownAddress()
    {
        string email = $"forgetful-{Guid.NewGuid():N}@example.test";
        string slug = await SignUpAsync(email, Password);
        using var client = app.CreateApiClient();

        using var known = await client.PostAsJsonAsync("/api/v1/auth/find-workspaces", new { email });
        using var unknown = await client.PostAsJsonAsync("/api/v1/auth/find-workspaces", new { email = "nobody-" + email });

        Assert.Equal(HttpStatusCode.Accepted, known.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, unknown.StatusCode);
        Assert.Equal(await known.Content.ReadAsStringAsync(), await unknown.Content.ReadAsStringAsync());
        using var admin = app.CreateAdminClient();
        var mails = await admin.GetFromJsonAsync<JsonElement>($"/admin/v1/mailbox?to={Uri.EscapeDataString(email)}");
        string text = mails.EnumerateArray().First(m => m.GetProperty("kind").GetString() == "workspaces").GetProperty("text").GetString()!;
        Assert.Contains($"/account/login?tenant={slug}", text, StringComparison.Ordinal);
        Assert.Empty((await admin.GetFromJsonAsync<JsonElement>($"/admin/v1/mailbox?to={Uri.EscapeDataString("nobody-" + email)}")).EnumerateArray());
    }

    [Fact]
    public async Task TheOldLoginThatNamesTheWorkspaceStillWorks()
    {
        string email = $"classic-{Guid.NewGuid():N}@example.test";
        string slug = await SignUpAsync(email, Password);
        using var client = app.CreateApiClient();

        using var login = await client.PostAsJsonAsync("/api/v1/auth/login", new { tenant = slug, email, password = Password });

        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
    }

    private async Task<string> SignUpAsync(string email, string password)
    {
        string slug = "s-" + Guid.NewGuid().ToString("N")[..12];
        using var client = app.CreateApiClient();
        using var signup = await client.PostAsJsonAsync("/api/v1/auth/signup", new { tenant_name = "Workspace " + slug, slug, email, password });
        Assert.Equal(HttpStatusCode.Created, signup.StatusCode);
        return slug;
    }
}
