using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Voice.Tests.Api;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Hostile;

/// <summary>
/// Password guessing from many addresses: failed logins count per account and per tenant as well as per address,
/// and an IPv6 /64 is one address. Every attempt here comes from its own address unless the test says otherwise,
/// so the per-address limit (30 a minute) never explains what happens.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class LoginLockTests(VoiceAppFixture app)
{
    private const string Password = "a long enough password";
    private const string Problem = "https://voice.dev/problems/";
    private static readonly TimeSpan LoginWindow = TimeSpan.FromMinutes(15);

    [Fact]
    public async Task TenFailuresFromTenAddressesLockTheAccountBeforeItsPasswordIsChecked()
    {
        var (slug, owner) = await SignUpAsync();
        string member = await JoinAsync(slug, owner, "member");
        await FixedWindows.AwayFromEdgeAsync(LoginWindow, TimeSpan.FromSeconds(60));

        for (int i = 0; i < 10; i++)
        {
            using var failed = await LoginAsync(slug, owner.Email, Password + "x");
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        // The right password, from an address that never failed: refused without being checked.
        using var locked = await LoginAsync(slug, owner.Email, Password);
        await GenerateValidationTests.AssertProblemAsync(locked, HttpStatusCode.TooManyRequests, Problem + "too-many-auth-failures");
        Assert.True(locked.Headers.RetryAfter?.Delta is { } wait && wait > TimeSpan.Zero && wait <= LoginWindow, locked.Headers.RetryAfter?.ToString());
        // Another account of the tenant, from another address, is not held up by those failures; the owner's open session still works.
        using var other = await LoginAsync(slug, member, Password);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await owner.Api.GetAsync("/api/v1/tenant")).StatusCode);
    }

    [Fact]
    public async Task TheLockIsTheSameForAnAccountThatDoesNotExist()
    {
        var (slug, _) = await SignUpAsync();
        string nobody = $"nobody@{slug}.test";
        await FixedWindows.AwayFromEdgeAsync(LoginWindow, TimeSpan.FromSeconds(60));

        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync(slug, nobody, Password)).StatusCode);
        }

        await GenerateValidationTests.AssertProblemAsync(await LoginAsync(slug, nobody, Password), HttpStatusCode.TooManyRequests, Problem + "too-many-auth-failures");
    }

    [Fact]
    public async Task AHundredFailuresOverATenantsAccountsLockItsLogins()
    {
        var (slug, owner) = await SignUpAsync();
        await FixedWindows.AwayFromEdgeAsync(LoginWindow, TimeSpan.FromSeconds(120));

        // Password spraying: one guess each at many addresses of the tenant, from many client addresses.
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync(slug, $"user{i}@{slug}.test", Password)).StatusCode);
        }

        using var locked = await LoginAsync(slug, owner.Email, Password);
        await GenerateValidationTests.AssertProblemAsync(locked, HttpStatusCode.TooManyRequests, Problem + "too-many-auth-failures");
        Assert.True(locked.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        // Other tenants log in as ever.
        var (otherSlug, otherOwner) = await SignUpAsync();
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(otherSlug, otherOwner.Email, Password)).StatusCode);
    }

    [Fact]
    public async Task AddressesOfOneIPv6Slash64ShareOneFailureBudget()
    {
        string prefix = $"2001:db8:{Random.Shared.Next(1, 0xffff):x}:{Random.Shared.Next(1, 0xffff):x}";
        HttpResponseMessage? last = null;
        // Each attempt from another address of the /64. The limit counts per wall-clock minute: allow two minutes' worth and one.
        for (int i = 1; i <= 61 && last?.StatusCode != HttpStatusCode.TooManyRequests; i++)
        {
            last?.Dispose();
            using var client = ClientFrom($"{prefix}:{i:x}:0:0:1");
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/voices");
            request.Headers.TryAddWithoutValidation("X-API-Key", "vk_live_aaaaaaaaaaaa_" + new string('A', 32));
            last = await client.SendAsync(request);
        }

        using (last)
        {
            await GenerateValidationTests.AssertProblemAsync(last!, HttpStatusCode.TooManyRequests, Problem + "too-many-auth-failures");
        }
        // A fresh address of that /64 is blocked even with a good key; the next /64 is not.
        using var sameBlock = ClientFrom($"{prefix}:ffff:1:2:3", app.DemoApiKey);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await sameBlock.GetAsync("/api/v1/voices")).StatusCode);
        using var nextBlock = ClientFrom($"2001:db8:ffff:{Random.Shared.Next(1, 0xffff):x}::1", app.DemoApiKey);
        Assert.Equal(HttpStatusCode.OK, (await nextBlock.GetAsync("/api/v1/voices")).StatusCode);
    }

    private sealed record Owner(string Email, HttpClient Api);

    private HttpClient ClientFrom(string address, string? credential = null)
    {
        var client = app.CreateApiClient(credential);
        client.DefaultRequestHeaders.Remove("X-Forwarded-For");
        client.DefaultRequestHeaders.Add("X-Forwarded-For", address);
        return client;
    }

    private async Task<HttpResponseMessage> LoginAsync(string slug, string email, string password)
    {
        using var client = app.CreateApiClient();
        return await client.PostAsJsonAsync("/api/v1/auth/login", new { tenant = slug, email, password });
    }

    private async Task<(string Slug, Owner Owner)> SignUpAsync()
    {
        string slug = "ll-" + Guid.NewGuid().ToString("N")[..10];
        string email = $"owner@{slug}.test";
        using var anonymous = app.CreateApiClient();
        using var signup = await anonymous.PostAsJsonAsync("/api/v1/auth/signup", new { tenant_name = "Locks " + slug, slug, email, password = Password });
        Assert.Equal(HttpStatusCode.Created, signup.StatusCode);
        string token = (await signup.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("session_token").GetString()!;
        return (slug, new Owner(email, app.CreatePortalClient(token)));
    }

    /// <summary>A second account of the tenant: invited by the owner, joined with the same password.</summary>
    private async Task<string> JoinAsync(string slug, Owner owner, string role)
    {
        string email = $"{role}@{slug}.test";
        using var invited = await owner.Api.PostAsJsonAsync("/api/v1/team/invites", new { email, role });
        Assert.Equal(HttpStatusCode.Created, invited.StatusCode);
        string token = (await invited.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        using var anonymous = app.CreateApiClient();
        Assert.Equal(HttpStatusCode.Created, (await anonymous.PostAsJsonAsync("/api/v1/auth/accept-invite", new { token, password = Password })).StatusCode);
        return email;
    }
}
