using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Hostile;

/// <summary>
/// Reading needs a scope too: a key made for webhooks or key management cannot list the tenant's voices, read a
/// clone's consent record (it holds the uploader's address), the pronunciation rules or the plan.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class ReadScopeTests(VoiceAppFixture app)
{
    public static TheoryData<string, string, HttpStatusCode> Matrix => new()
    {
        { "webhooks:admin", "/api/v1/voices", HttpStatusCode.Forbidden },
        { "webhooks:admin", "/v1/audio/voices", HttpStatusCode.Forbidden },
        { "webhooks:admin", "/api/v1/lexicons", HttpStatusCode.Forbidden },
        { "webhooks:admin", "/api/v1/tenant/plan", HttpStatusCode.Forbidden },
        { "keys:admin", "/api/v1/voices/alloy", HttpStatusCode.Forbidden },
        { "speech:write", "/api/v1/voices", HttpStatusCode.OK },
        { "speech:write", "/v1/audio/voices", HttpStatusCode.OK },
        { "speech:write", "/api/v1/lexicons", HttpStatusCode.OK },
        { "speech:write", "/api/v1/tenant/plan", HttpStatusCode.Forbidden },
        { "voices:write", "/api/v1/voices/alloy", HttpStatusCode.OK },
        { "usage:read", "/api/v1/tenant/plan", HttpStatusCode.OK },
        { "usage:read", "/api/v1/voices", HttpStatusCode.Forbidden },
    };

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task ReadingAnswersByTheKeysScope(string scope, string path, HttpStatusCode expected)
    {
        using var api = app.CreateApiClient(await KeyAsync(scope));

        using var response = await api.GetAsync(path);

        Assert.Equal(expected, response.StatusCode);
    }

    [Theory]
    [InlineData("speech:write", HttpStatusCode.Forbidden)]
    [InlineData("voices:write", HttpStatusCode.NotFound)] // allowed to ask; there is no such voice
    public async Task AConsentRecordNeedsTheVoicesScope(string scope, HttpStatusCode expected)
    {
        using var api = app.CreateApiClient(await KeyAsync(scope));

        using var response = await api.GetAsync($"/api/v1/voices/{Guid.NewGuid()}/consent");

        Assert.Equal(expected, response.StatusCode);
    }

    private async Task<string> KeyAsync(string scope)
    {
        var tenant = await app.CreateTenantAsync();
        using var admin = app.CreateApiClient(tenant.ApiKey);
        using var created = await admin.PostAsJsonAsync("/api/v1/keys", new { name = scope, scopes = new[] { scope } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }
}
