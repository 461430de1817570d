using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.EndToEnd;

/// <summary>The portal's playground page, driven over HTTP: it is a client of the API through service discovery.</summary>
[Collection(AppCollection.Name)]
public sealed partial class PlaygroundTests(VoiceAppFixture app)
{
    [Fact]
    public async Task PageListsTheApiVoicesAndSubmittedTextComesBackAsPlayableAudio()
    {
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
        using var web = app.CreateWebClient(handler);

        string page = await web.GetStringAsync("/");
        Assert.Contains("<option value=\"onyx\"", page);
        string token = AntiforgeryToken().Match(page).Groups[1].Value;
        Assert.NotEmpty(token);

        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Text"] = "Hello from the playground test.",
            ["Voice"] = "nova",
            ["Language"] = "en",
            ["__RequestVerificationToken"] = token,
        });
        using var posted = await web.PostAsync("/", form);
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
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
    public async Task PostWithoutAntiforgeryTokenIsRejected()
    {
        using var web = app.CreateWebClient();
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["Text"] = "forged" });

        using var response = await web.PostAsync("/", form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
