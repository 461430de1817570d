using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Api;

/// <summary>Bad input gets a 4xx problem+json that says what is wrong — never a 500 — and queues nothing.</summary>
[Collection(AppCollection.Name)]
public sealed class GenerateValidationTests(VoiceAppFixture app)
{
    public static TheoryData<string, string> InvalidBodies => new()
    {
        { """{"text":""}""", "text" },
        { """{"text":"   \n\t "}""", "text" },
        { """{"language":"en"}""", "text" },
        { "{\"text\":\"" + new string('a', 1_000_001) + "\"}", "text" }, // over every plan's and engine's limit
        { """{"text":"hi","voice":"no-such-voice"}""", "voice" },
        { """{"text":"hi","language":"tlh"}""", "language" },
        { """{"text":"hi","format":"mp4"}""", "format" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task InvalidFieldIsA400ValidationProblemNamingTheField(string body, string field)
    {
        using var response = await PostRawAsync(body);

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors should name '{field}': {problem}");
    }

    [Theory]
    [InlineData("{\"text\":\"hi\",")]
    [InlineData("not json at all")]
    [InlineData("[1,2,3]")]
    [InlineData("null")]
    [InlineData("{\"text\": 42}")]
    [InlineData("{\"txt\":\"typo in the field name\"}")]
    public async Task MalformedJsonIsA400InvalidJsonProblem(string body)
    {
        using var response = await PostRawAsync(body);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "https://voice.dev/problems/invalid-json");
    }

    [Fact]
    public async Task NonJsonContentTypeIsA415Problem()
    {
        using var api = app.CreateDemoClient();
        using var content = new StringContent("text=hello", Encoding.UTF8, "application/x-www-form-urlencoded");

        using var response = await api.PostAsync("/api/v1/voice/generate", content);

        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "https://voice.dev/problems/unsupported-media-type");
    }

    [Fact]
    public async Task OversizedBodyIsA413Problem()
    {
        // Bodies may carry an inline reference recording (10 MB as base64); beyond 14 MiB they are refused while reading.
        using var response = await PostRawAsync("{\"text\":\"hi\",\"ref_audio\":\"" + new string('A', 15 * 1024 * 1024) + "\"}");

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "https://voice.dev/problems/payload-too-large");
    }

    [Fact]
    public async Task UnknownTaskIsA404Problem()
    {
        using var api = app.CreateDemoClient();

        using var response = await api.GetAsync($"/api/v1/task/{Guid.NewGuid()}");

        await AssertProblemAsync(response, HttpStatusCode.NotFound, "https://voice.dev/problems/not-found");
    }

    [Fact]
    public async Task NonGuidTaskIdIsA404ProblemNotA500()
    {
        using var api = app.CreateDemoClient();

        using var response = await api.GetAsync("/api/v1/task/not-a-guid");

        await AssertProblemAsync(response, HttpStatusCode.NotFound, "https://voice.dev/problems/not-found");
    }

    [Fact]
    public async Task DefaultsAreAppliedWhenOnlyTextIsGiven()
    {
        using var api = app.CreateDemoClient();

        using var response = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = "Only text." });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var taskId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetGuid();
        var status = await api.GetFromJsonAsync<JsonElement>($"/api/v1/task/{taskId}");
        var request = status.GetProperty("request");
        Assert.Equal("en", request.GetProperty("language").GetString());
        Assert.Equal("alloy", request.GetProperty("voice").GetString());
        Assert.Equal("wav", request.GetProperty("format").GetString());
        Assert.Equal(10, request.GetProperty("characters").GetInt32());
    }

    private async Task<HttpResponseMessage> PostRawAsync(string body)
    {
        using var api = app.CreateDemoClient();
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        return await api.PostAsync("/api/v1/voice/generate", content);
    }

    internal static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal(type, problem.GetProperty("type").GetString());
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        return problem;
    }
}
