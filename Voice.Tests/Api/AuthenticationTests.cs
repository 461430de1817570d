using System.Net;
using System.Net.Http.Json;
using Voice.ApiService.Accounts;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Api;

[Collection(AppCollection.Name)]
public sealed class AuthenticationTests(VoiceAppFixture app)
{
    [Fact]
    public async Task RequestWithoutKeyIsA401ProblemWithBearerChallenge()
    {
        using var api = app.CreateApiClient();

        using var response = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = "hi" });

        await GenerateValidationTests.AssertProblemAsync(response, HttpStatusCode.Unauthorized, "https://voice.dev/problems/unauthenticated");
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Theory]
    [InlineData("not-a-key")]
    [InlineData("vk_live_short_key")]
    [InlineData("Basic dXNlcjpwYXNz")]
    public async Task MalformedKeyIsA401(string value)
    {
        using var api = app.CreateApiClient();
        api.DefaultRequestHeaders.TryAddWithoutValidation("X-API-Key", value);

        using var response = await api.GetAsync("/api/v1/voices");

        await GenerateValidationTests.AssertProblemAsync(response, HttpStatusCode.Unauthorized, "https://voice.dev/problems/unauthenticated");
    }

    [Fact]
    public async Task WellFormedButUnknownKeyIsA401()
    {
        using var api = app.CreateApiClient(CredentialToken.NewApiKey().ToString());

        using var response = await api.GetAsync("/api/v1/voices");

        await GenerateValidationTests.AssertProblemAsync(response, HttpStatusCode.Unauthorized, "https://voice.dev/problems/unauthenticated");
    }

    [Fact]
    public async Task KnownKeyIdWithWrongSecretIsA401()
    {
        CredentialToken.TryParse(app.DemoApiKey, out var demo);
        var forged = demo!.Value with { Secret = CredentialToken.NewApiKey().Secret };
        using var api = app.CreateApiClient(forged.ToString());

        using var response = await api.GetAsync("/api/v1/voices");

        await GenerateValidationTests.AssertProblemAsync(response, HttpStatusCode.Unauthorized, "https://voice.dev/problems/unauthenticated");
    }

    [Fact]
    public async Task KeyIsAcceptedInXApiKeyHeaderToo()
    {
        using var api = app.CreateApiClient();
        api.DefaultRequestHeaders.Add("X-API-Key", app.DemoApiKey);

        using var response = await api.GetAsync("/api/v1/voices");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task TenantHeaderThatDoesNotMatchTheKeyIsA403()
    {
        using var api = app.CreateDemoClient();
        api.DefaultRequestHeaders.Add("X-Tenant-ID", "someone-else");

        using var response = await api.GetAsync("/api/v1/voices");

        await GenerateValidationTests.AssertProblemAsync(response, HttpStatusCode.Forbidden, "https://voice.dev/problems/forbidden");
    }

    [Fact]
    public async Task TenantHeaderThatMatchesTheKeyIsAccepted()
    {
        using var api = app.CreateDemoClient();
        api.DefaultRequestHeaders.Add("X-Tenant-ID", "demo");

        using var response = await api.GetAsync("/api/v1/voices");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
