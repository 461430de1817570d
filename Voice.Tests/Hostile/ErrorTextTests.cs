using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Voice.Tests.Infrastructure;
using Voice.Tests.Worker;

namespace Voice.Tests.Hostile;

/// <summary>Tenants get stable codes and sentences, never exception text or .NET type names (they are logged instead).</summary>
[Collection(AppCollection.Name)]
public sealed class ErrorTextTests(VoiceAppFixture app)
{
    [Fact]
    public async Task AFailedJobTellsItsCodeNotTheExceptionText()
    {
        var tenant = await app.CreateTenantAsync();
        await using var worker = await WorkerHarness.StartAsync(app, new CrashingFakeEngine(), maxAttempts: 2);
        var entry = await worker.SubmitAndDeliverAsync(tenant.Id, "This engine always crashes.");

        await worker.Runner.RunAsync([entry], WorkerHarness.Consumer, CancellationToken.None);
        await worker.Runner.RunAsync([entry], WorkerHarness.Consumer, CancellationToken.None);

        using var api = app.CreateApiClient(tenant.ApiKey);
        string status = await api.GetStringAsync($"/api/v1/task/{entry.JobId}");
        Assert.Contains("engine_error", status, StringComparison.Ordinal);
        Assert.DoesNotContain("fake device fault", status, StringComparison.Ordinal);
        Assert.DoesNotContain("IOException", status, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"text": 42}""", "$.text")]
    [InlineData("""{"text": "hi", "speed": "fast"}""", "$.speed")]
    [InlineData("""{"txt": "typo"}""", "'txt' is not a field")]
    [InlineData("[1,2]", "malformed")]
    public async Task JsonProblemsNameTheFieldWithoutDotNetTypes(string body, string named)
    {
        using var api = app.CreateDemoClient();

        using var response = await api.PostAsync("/api/v1/voice/generate", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        string detail = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;
        Assert.Contains(named, detail, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("Voice.", detail, StringComparison.Ordinal);
    }
}
