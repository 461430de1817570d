using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.EndToEnd;

/// <summary>The portal over HTTP: sign-up, login, and the playground — a client of the API through service discovery.</summary>
[Collection(AppCollection.Name)]
public sealed partial class PlaygroundTests(VoiceAppFixture app)
{
    [Fact]
    public async Task NewUserSignsUpAndHearsSubmittedText()
    {
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
        using var web = app.CreateWebClient(handler);
        string slug = "p-" + Guid.NewGuid().ToString("N")[..12];

        using var signedUp = await PostFormAsync(web, "/account/signup", new()
        {
            ["TenantName"] = "Playground Test",
            ["Slug"] = slug,
            ["Email"] = $"owner@{slug}.test",
            ["Password"] = "a long enough password",
        });
        Assert.Equal(HttpStatusCode.Redirect, signedUp.StatusCode);

        string page = await web.GetStringAsync("/playground");
        Assert.Contains("<option value=\"onyx\"", page);
        Assert.Contains(slug, page); // the workspace is shown in the header

        using var posted = await PostFormAsync(web, "/playground", new() { ["Text"] = "Hello from the playground test.", ["Voice"] = "nova", ["Language"] = "en" });
        Assert.True(posted.StatusCode == HttpStatusCode.Redirect, Regex.Match(await posted.Content.ReadAsStringAsync(), "id=\"error\">([^<]*)").Value);
        string location = posted.Headers.Location!.OriginalString;
        Guid taskId = Guid.Parse(location[(location.IndexOf("task=", StringComparison.Ordinal) + 5)..]);

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        JsonElement status;
        do
        {
            await Task.Delay(100, cts.Token);
            status = JsonDocument.Parse(await web.GetStringAsync($"/tasks/{taskId}/status", cts.Token)).RootElement;
        }
        while (!status.GetProperty("ready").GetBoolean() && status.GetProperty("status").GetString() is "queued" or "running");
        Assert.True(status.GetProperty("ready").GetBoolean(), status.ToString());

        using var audio = await web.GetAsync($"/tasks/{taskId}/audio", cts.Token);
        Assert.Equal(HttpStatusCode.OK, audio.StatusCode);
        Assert.Equal("audio/wav", audio.Content.Headers.ContentType?.MediaType);
        byte[] wav = await audio.Content.ReadAsByteArrayAsync(cts.Token);
        Assert.Equal("RIFF"u8.ToArray(), wav[..4]);
        Assert.True(wav.Length > 24_000, "expected at least half a second of audio");
    }

    [Fact]
    public async Task AnonymousVisitorIsSentToLogin()
    {
        using var handler = new HttpClientHandler { AllowAutoRedirect = false };
        using var web = app.CreateWebClient(handler);

        using var home = await web.GetAsync("/");
        using var status = await web.GetAsync($"/tasks/{Guid.NewGuid()}/status");

        Assert.Equal(HttpStatusCode.Redirect, home.StatusCode);
        Assert.StartsWith("/account/login", home.Headers.Location!.PathAndQuery);
        Assert.Equal(HttpStatusCode.Redirect, status.StatusCode);
    }

    [Fact]
    public async Task EveryPageCarriesTheSecurityHeaders()
    {
        using var web = app.CreateWebClient();

        using var login = await web.GetAsync("/account/login");
        using var script = await web.GetAsync("/js/playground.js");

        foreach (var response in new[] { login, script })
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            string csp = response.Headers.GetValues("Content-Security-Policy").Single();
            Assert.Contains("script-src 'self';", csp, StringComparison.Ordinal); // no inline script, no other origin
            Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        }
        // The pages really have no inline script or style for the policy to break.
        string html = await login.Content.ReadAsStringAsync();
        Assert.DoesNotMatch(@"<script(?![^>]*\bsrc=)[^>]*>", html);
        Assert.DoesNotContain("style=\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoginPageTakesTheWorkspaceFromTheSubdomain()
    {
        using var web = app.CreateWebClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/account/login");
        request.Headers.Host = $"acme-audio.localhost:{web.BaseAddress!.Port}";

        using var response = await web.SendAsync(request);
        string page = await response.Content.ReadAsStringAsync();

        Assert.Contains("name=\"Tenant\" value=\"acme-audio\"", page);
    }

    [Fact]
    public async Task WrongPasswordShowsAnErrorAndLogoutEndsTheSession()
    {
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
        using var web = app.CreateWebClient(handler);
        string slug = "p-" + Guid.NewGuid().ToString("N")[..12];
        (await PostFormAsync(web, "/account/signup", new()
        {
            ["TenantName"] = "Logout Test", ["Slug"] = slug, ["Email"] = $"o@{slug}.test", ["Password"] = "a long enough password",
        })).Dispose();

        using var loggedOut = await PostFormAsync(web, "/account/logout", []);
        Assert.Equal(HttpStatusCode.Redirect, loggedOut.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await web.GetAsync("/")).StatusCode);

        using var wrong = await PostFormAsync(web, "/account/login", new() { ["Tenant"] = slug, ["Email"] = $"o@{slug}.test", ["Password"] = "not the password!" });
        Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        Assert.Contains("Wrong workspace, email or password.", await wrong.Content.ReadAsStringAsync());

        using var right = await PostFormAsync(web, "/account/login", new() { ["Tenant"] = slug, ["Email"] = $"o@{slug}.test", ["Password"] = "a long enough password" });
        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await web.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task PostWithoutAntiforgeryTokenIsRejected()
    {
        using var web = app.CreateWebClient();
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["Tenant"] = "x", ["Email"] = "x@y.z", ["Password"] = "forged" });

        using var response = await web.PostAsync("/account/login", form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    /// <summary>Posts a form the way a browser does: GET the page for its anti-forgery token, then POST.</summary>
    private static async Task<HttpResponseMessage> PostFormAsync(HttpClient web, string path, Dictionary<string, string> fields)
    {
        string page = await web.GetStringAsync(path == "/account/logout" ? "/account/logout" : path);
        fields["__RequestVerificationToken"] = AntiforgeryToken().Match(page).Groups[1].Value;
        using var form = new FormUrlEncodedContent(fields);
        return await web.PostAsync(path, form);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
