using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.Testing;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Hostile;

/// <summary>
/// The admin API lives on its own listener (Admin:Port, the AppHost's <c>admin</c> endpoint): on the public port it does
/// not exist, whatever credential or Host header a client sends, and the admin port serves nothing but it and health.
/// The port the connection arrived on decides, as for /metrics (<see cref="MetricsPortTests"/>).
/// </summary>
[Collection(AppCollection.Name)]
public sealed class AdminListenerTests(VoiceAppFixture app)
{
    [Theory]
    [InlineData("/admin/v1/tenants")]
    [InlineData("/admin/v1/operators/tokens")]
    [InlineData("/ADMIN/v1/plans")]
    [InlineData("/openapi/admin.json")]
    public async Task AdminRoutesAre404OnThePublicPortEvenWithAValidTokenAndTheAdminHost(string path)
    {
        var admin = app.App.GetEndpoint("api", VoiceAppFixture.AdminEndpoint);
        using var client = app.CreateApiClient(app.AdminToken);
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = admin.Authority; // the admin listener's host:port, spoofed

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("\"data\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal); // a problem, not a listing
    }

    [Fact]
    public async Task AdminRoutesAnswerOnTheAdminPort()
    {
        using var admin = app.CreateAdminClient();
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/admin/v1/plans")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/health")).StatusCode);
        using var secondReplica = app.CreateAdminClient(instance: "api-b");
        Assert.Equal(HttpStatusCode.OK, (await secondReplica.GetAsync("/admin/v1/plans")).StatusCode);
    }

    [Theory]
    [InlineData("/api/v1/tenant")]
    [InlineData("/v1/models")]
    [InlineData("/openapi/v1.json")]
    [InlineData("/docs/")]
    public async Task TenantRoutesAre404OnTheAdminPort(string path)
    {
        var tenant = await app.CreateTenantAsync();
        using var client = app.CreateApiClient(tenant.ApiKey, endpoint: VoiceAppFixture.AdminEndpoint);
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = app.App.GetEndpoint("api", "http").Authority; // the public listener's, spoofed

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var onPublic = app.CreateApiClient(tenant.ApiKey);
        Assert.Equal(HttpStatusCode.OK, (await onPublic.GetAsync(path)).StatusCode); // the same request where it belongs
    }

    [Fact]
    public async Task TheAdminDocumentIsOnTheAdminPortWithOnlyAdminRoutes()
    {
        using var admin = app.CreateAdminClient();
        using var response = await admin.GetAsync("/openapi/admin.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = await response.Content.ReadFromJsonAsync<JsonElement>();

        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/admin/v1/operators/tokens", paths);
        Assert.Contains("/admin/v1/tenants", paths);
        Assert.All(paths, p => Assert.StartsWith("/admin/", p));
        Assert.True(document.GetProperty("components").GetProperty("securitySchemes").TryGetProperty("OperatorToken", out _));
    }
}
