using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Voice.Tests.Api;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Hostile;

/// <summary>
/// A key with only <c>keys:admin</c> may not invite a person (or promote one) whose role carries scopes it lacks:
/// redeeming that invitation would give it a session with every scope.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class InvitationEscalationTests(VoiceAppFixture app)
{
    [Theory]
    [InlineData("admin")]
    [InlineData("member")]
    public async Task ANarrowKeyCannotInviteBeyondItsScopes(string role)
    {
        using var keysOnly = app.CreateApiClient(await KeysOnlyKeyAsync());

        using var response = await keysOnly.PostAsJsonAsync("/api/v1/team/invites", new { email = $"{Guid.NewGuid():N}@example.test", role });

        var problem = await GenerateValidationTests.AssertProblemAsync(response, HttpStatusCode.Forbidden, "https://voice.dev/problems/forbidden");
        Assert.False(problem.TryGetProperty("token", out _));
    }

    [Fact]
    public async Task ANarrowKeyCannotPromoteAnyone()
    {
        using var keysOnly = app.CreateApiClient(await KeysOnlyKeyAsync());

        using var response = await keysOnly.PatchAsJsonAsync($"/api/v1/team/members/{Guid.NewGuid()}", new { role = "admin" });

        await GenerateValidationTests.AssertProblemAsync(response, HttpStatusCode.Forbidden, "https://voice.dev/problems/forbidden");
    }

    private async Task<string> KeysOnlyKeyAsync()
    {
        var tenant = await app.CreateTenantAsync();
        using var owner = app.CreateApiClient(tenant.ApiKey);
        using var created = await owner.PostAsJsonAsync("/api/v1/keys", new { name = "keys only", scopes = new[] { "keys:admin" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }
}
