using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Api;

[Collection(AppCollection.Name)]
public sealed class AccountsApiTests(VoiceAppFixture app)
{
    private const string Password = "a long enough password";

    [Fact]
    public async Task SignUpCreatesATenantWhoseOwnerSessionUsesTheApi()
    {
        string slug = NewSlug();
        using var anonymous = app.CreateApiClient();

        using var signup = await anonymous.PostAsJsonAsync("/api/v1/auth/signup", new { tenant_name = "Acme Audio", slug, email = $"owner@{slug}.test", password = Password });

        Assert.Equal(HttpStatusCode.Created, signup.StatusCode);
        var session = await signup.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("owner", session.GetProperty("role").GetString());
        string token = session.GetProperty("session_token").GetString()!;
        Assert.StartsWith("vs_", token);
        using var owner = app.CreatePortalClient(token);
        var tenant = await owner.GetFromJsonAsync<JsonElement>("/api/v1/tenant");
        Assert.Equal(slug, tenant.GetProperty("slug").GetString());
        Assert.Equal("Acme Audio", tenant.GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.Accepted, (await owner.PostAsJsonAsync("/api/v1/voice/generate", new { text = "Owner speaking." })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync("/api/v1/keys")).StatusCode);
    }

    [Fact]
    public async Task LoginWorksOnlyWithTheRightTenantEmailAndPassword()
    {
        var (slug, email) = await SignUpAsync();
        using var client = app.CreateApiClient();

        using var good = await client.PostAsJsonAsync("/api/v1/auth/login", new { tenant = slug, email = email.ToUpperInvariant(), password = Password });
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);

        foreach (var attempt in new object[]
        {
            new { tenant = slug, email, password = Password + "x" },
            new { tenant = slug, email = "nobody@" + slug + ".test", password = Password },
            new { tenant = "no-such-tenant-" + slug, email, password = Password },
        })
        {
            using var bad = await client.PostAsJsonAsync("/api/v1/auth/login", attempt);
            var problem = await GenerateValidationTests.AssertProblemAsync(bad, HttpStatusCode.Unauthorized, "https://voice.dev/problems/unauthenticated");
            Assert.Equal("Wrong tenant, email or password.", problem.GetProperty("title").GetString()); // never says which
        }
    }

    [Fact]
    public async Task LogoutEndsTheSessionForTheApiToo()
    {
        var (slug, email) = await SignUpAsync();
        using var client = app.CreateApiClient();
        using var login = await client.PostAsJsonAsync("/api/v1/auth/login", new { tenant = slug, email, password = Password });
        string token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("session_token").GetString()!;
        using var session = app.CreatePortalClient(token);
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync("/api/v1/tenant")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await session.PostAsync("/api/v1/auth/logout", null)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await session.GetAsync("/api/v1/tenant")).StatusCode);
    }

    [Fact]
    public async Task TakenSlugIs409()
    {
        var (slug, _) = await SignUpAsync();
        using var client = app.CreateApiClient();

        using var again = await client.PostAsJsonAsync("/api/v1/auth/signup", new { tenant_name = "Copy", slug, email = "x@copy.test", password = Password });

        await GenerateValidationTests.AssertProblemAsync(again, HttpStatusCode.Conflict, "https://voice.dev/problems/conflict");
    }

    [Theory]
    [InlineData("", "ok-slug", "a@b.test", "a long enough password", "tenant_name")]
    [InlineData("Name", "-bad", "a@b.test", "a long enough password", "slug")]
    [InlineData("Name", "ok-slug", "not-an-email", "a long enough password", "email")]
    [InlineData("Name", "ok-slug", "a@b.test", "short", "password")]
    [InlineData("Name", "ok-slug", "same@b.test", "same@b.test", "password")]
    public async Task InvalidSignUpIsA400NamingTheField(string name, string slug, string email, string password, string field)
    {
        using var client = app.CreateApiClient();

        using var response = await client.PostAsJsonAsync("/api/v1/auth/signup", new { tenant_name = name, slug, email, password });

        var problem = await GenerateValidationTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task SuspendedTenantCannotLogIn()
    {
        var (slug, email) = await SignUpAsync();
        using var admin = app.CreateAdminClient();
        var tenant = (await admin.GetFromJsonAsync<JsonElement>("/admin/v1/tenants?limit=500")).GetProperty("data")
            .EnumerateArray().Single(t => t.GetProperty("slug").GetString() == slug);
        (await admin.PatchAsJsonAsync($"/admin/v1/tenants/{tenant.GetProperty("id").GetGuid()}", new { status = "suspended" })).EnsureSuccessStatusCode();
        using var client = app.CreateApiClient();

        using var login = await client.PostAsJsonAsync("/api/v1/auth/login", new { tenant = slug, email, password = Password });

        await GenerateValidationTests.AssertProblemAsync(login, HttpStatusCode.Forbidden, "https://voice.dev/problems/tenant-suspended");
    }

    [Fact]
    public async Task RepeatedFailuresFromOneAddressAreThrottledWithRetryAfter()
    {
        using var attacker = app.CreateApiClient();
        using var bystander = app.CreateApiClient(app.DemoApiKey);
        HttpResponseMessage? last = null;
        // The limit counts failures per wall-clock minute: a minute boundary may fall inside the run, so allow two
        // minutes' worth of attempts (and one more) before calling it unthrottled.
        for (int i = 0; i < 61 && last?.StatusCode != HttpStatusCode.TooManyRequests; i++)
        {
            last?.Dispose();
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/voices");
            request.Headers.TryAddWithoutValidation("X-API-Key", "vk_live_aaaaaaaaaaaa_" + new string('A', 32));
            last = await attacker.SendAsync(request);
        }

        using (last)
        {
            await GenerateValidationTests.AssertProblemAsync(last!, HttpStatusCode.TooManyRequests, "https://voice.dev/problems/too-many-auth-failures");
            Assert.True(last!.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        }
        // Even the right key is refused from that address now; other addresses are unaffected.
        using var blocked = new HttpRequestMessage(HttpMethod.Get, "/api/v1/voices");
        blocked.Headers.Add("X-API-Key", app.DemoApiKey);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await attacker.SendAsync(blocked)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bystander.GetAsync("/api/v1/voices")).StatusCode);
    }

    private async Task<(string Slug, string Email)> SignUpAsync()
    {
        string slug = NewSlug();
        string email = $"owner@{slug}.test";
        using var client = app.CreateApiClient();
        using var signup = await client.PostAsJsonAsync("/api/v1/auth/signup", new { tenant_name = "Test", slug, email, password = Password });
        Assert.Equal(HttpStatusCode.Created, signup.StatusCode);
        return (slug, email);
    }

    private static string NewSlug() => "s-" + Guid.NewGuid().ToString("N")[..12];
}
