using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Api;

[Collection(AppCollection.Name)]
public sealed class KeysApiTests(VoiceAppFixture app)
{
    [Fact]
    public async Task CreatedKeyWorksAndItsSecretIsShownOnlyOnce()
    {
        var tenant = await app.CreateTenantAsync();
        using var admin = app.CreateApiClient(tenant.ApiKey);

        using var created = await admin.PostAsJsonAsync("/api/v1/keys", new { name = "ci pipeline", scopes = new[] { "speech:write" } });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        string key = body.GetProperty("key").GetString()!;
        string id = body.GetProperty("info").GetProperty("id").GetString()!;
        Assert.StartsWith($"vk_live_{id}_", key);
        Assert.Equal(["speech:write"], body.GetProperty("info").GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));

        string listing = await admin.GetStringAsync("/api/v1/keys");
        Assert.Contains(id, listing);
        Assert.DoesNotContain(key[^32..], listing); // the secret never comes back

        using var user = app.CreateApiClient(key);
        using var generate = await user.PostAsJsonAsync("/api/v1/voice/generate", new { text = "New key." });
        Assert.Equal(HttpStatusCode.Accepted, generate.StatusCode);
    }

    [Fact]
    public async Task KeyWithoutTheScopeIsA403AndCannotMintBroaderKeys()
    {
        var tenant = await app.CreateTenantAsync();
        using var admin = app.CreateApiClient(tenant.ApiKey);
        var narrow = await CreateKeyAsync(admin, new { name = "speech only", scopes = new[] { "speech:write" } });
        using var client = app.CreateApiClient(narrow);

        using var list = await client.GetAsync("/api/v1/keys");
        await GenerateValidationTests.AssertProblemAsync(list, HttpStatusCode.Forbidden, "https://voice.dev/problems/forbidden");

        var keysOnly = await CreateKeyAsync(admin, new { name = "keys only", scopes = new[] { "keys:admin" } });
        using var keysClient = app.CreateApiClient(keysOnly);
        using var escalate = await keysClient.PostAsJsonAsync("/api/v1/keys", new { name = "escalation", scopes = new[] { "speech:write" } });
        var problem = await GenerateValidationTests.AssertProblemAsync(escalate, HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");
        Assert.True(problem.GetProperty("errors").TryGetProperty("scopes", out _));
        using var generate = await keysClient.PostAsJsonAsync("/api/v1/voice/generate", new { text = "no" });
        Assert.Equal(HttpStatusCode.Forbidden, generate.StatusCode);
    }

    [Fact]
    public async Task RevokedKeyStopsWorkingWithinOneSecond()
    {
        var tenant = await app.CreateTenantAsync();
        using var admin = app.CreateApiClient(tenant.ApiKey);
        var key = await CreateKeyAsync(admin, new { name = "to revoke" });
        string id = key.Split('_')[2];
        using var client = app.CreateApiClient(key);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/voices")).StatusCode); // now cached as valid

        using var revoke = await admin.DeleteAsync($"/api/v1/keys/{id}");
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(1.1));

        using var after = await client.GetAsync("/api/v1/voices");
        var problem = await GenerateValidationTests.AssertProblemAsync(after, HttpStatusCode.Unauthorized, "https://voice.dev/problems/unauthenticated");
        Assert.Contains("revoked", problem.GetProperty("detail").GetString());
        var info = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/keys/{id}");
        Assert.Equal(JsonValueKind.String, info.GetProperty("revoked_at").ValueKind);
    }

    [Fact]
    public async Task ExpiredKeyIsRefused()
    {
        var tenant = await app.CreateTenantAsync();
        using var admin = app.CreateApiClient(tenant.ApiKey);
        var expires = DateTimeOffset.UtcNow.AddSeconds(6);
        var key = await CreateKeyAsync(admin, new { name = "short-lived", expires_at = expires });
        using var client = app.CreateApiClient(key);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/voices")).StatusCode);

        // Past the expiry, and past the 1 s the key's lookup may stay cached.
        await Task.Delay(expires - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1.2));

        using var after = await client.GetAsync("/api/v1/voices");
        var problem = await GenerateValidationTests.AssertProblemAsync(after, HttpStatusCode.Unauthorized, "https://voice.dev/problems/unauthenticated");
        Assert.Contains("expired", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("""{"name":""}""", "name")]
    [InlineData("""{"name":"x","scopes":["root"]}""", "scopes")]
    [InlineData("""{"name":"x","scopes":[]}""", "scopes")]
    [InlineData("""{"name":"x","expires_at":"2000-01-01T00:00:00Z"}""", "expires_at")]
    public async Task InvalidKeyRequestIsA400NamingTheField(string body, string field)
    {
        var tenant = await app.CreateTenantAsync();
        using var admin = app.CreateApiClient(tenant.ApiKey);

        using var response = await admin.PostAsync("/api/v1/keys", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        var problem = await GenerateValidationTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task KeyCreationAndRevocationAreAudited()
    {
        var tenant = await app.CreateTenantAsync();
        using var admin = app.CreateApiClient(tenant.ApiKey);
        var key = await CreateKeyAsync(admin, new { name = "audited" });
        string id = key.Split('_')[2];
        (await admin.DeleteAsync($"/api/v1/keys/{id}")).EnsureSuccessStatusCode();

        var audit = await admin.GetFromJsonAsync<JsonElement>("/api/v1/audit");

        var actions = audit.GetProperty("data").EnumerateArray()
            .Where(e => e.GetProperty("target").GetString() == $"key:{id}")
            .Select(e => e.GetProperty("action").GetString())
            .ToList();
        Assert.Equal(["key.revoked", "key.created"], actions);
    }

    [Fact]
    public async Task OversizedAuthorizationHeaderIsA401NotAnError()
    {
        using var client = app.CreateApiClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Bearer " + new string('x', 8_000));

        using var response = await client.GetAsync("/api/v1/voices");

        await GenerateValidationTests.AssertProblemAsync(response, HttpStatusCode.Unauthorized, "https://voice.dev/problems/unauthenticated");
    }

    private static async Task<string> CreateKeyAsync(HttpClient admin, object request)
    {
        using var created = await admin.PostAsJsonAsync("/api/v1/keys", request);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }
}
