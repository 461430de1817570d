using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Api;

/// <summary>
/// The public API's reference: <c>/docs</c> (Scalar, its script served by the API itself, no CDN) over
/// <c>/openapi/v1.json</c>, which describes the credentials, carries request examples and leaves the operator routes out.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class ApiReferenceTests(VoiceAppFixture app)
{
    [Fact]
    public async Task DocsAnswerHtmlThatLoadsItsScriptFromTheApi()
    {
        using var client = app.CreateApiClient();

        using var page = await client.GetAsync("/docs");
        string html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("cdn.jsdelivr.net", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("v1.json", html, StringComparison.Ordinal);
        Assert.Contains("scalar.js", html, StringComparison.Ordinal);
        using var script = await client.GetAsync("/docs/scalar.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.True((await script.Content.ReadAsByteArrayAsync()).Length > 100_000);
    }

    [Fact]
    public async Task PublicDocumentHasTheBearerSchemeExamplesAndNoAdminRoutes()
    {
        using var client = app.CreateApiClient();

        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        var bearer = schemes.GetProperty("Bearer");
        Assert.Equal("http", bearer.GetProperty("type").GetString());
        Assert.Equal("bearer", bearer.GetProperty("scheme").GetString());
        Assert.Equal("X-Api-Key", schemes.GetProperty("ApiKey").GetProperty("name").GetString());
        var paths = document.GetProperty("paths");
        Assert.DoesNotContain(paths.EnumerateObject(), p => p.Name.StartsWith("/admin", StringComparison.OrdinalIgnoreCase));
        var speech = paths.GetProperty("/v1/audio/speech").GetProperty("post");
        Assert.Contains(speech.GetProperty("security").EnumerateArray(), r => r.TryGetProperty("Bearer", out _));
        Assert.Equal("Hello from Voice.", speech.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("example").GetProperty("input").GetString());
        var generate = paths.GetProperty("/api/v1/voice/generate").GetProperty("post");
        Assert.Equal("Hello from Voice.", generate.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("example").GetProperty("text").GetString());
        // An anonymous route asks for no credential.
        Assert.False(paths.GetProperty("/api/v1/auth/login").GetProperty("post").TryGetProperty("security", out _));
    }
}
