using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Voice.Speech.Qwen3;
using Voice.Tests.Infrastructure;
using Voice.Tests.Speech;

namespace Voice.Tests.Worker;

/// <summary>
/// The worker's real job pipeline (claim, voice prompt, synthesis, encoding, encrypted storage, settlement) with the
/// Qwen3-TTS engine on the tiny model, against the running platform: a tenant's request comes back as a WAV made by
/// <c>qwen3-onnx</c>.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class Qwen3WorkerTests(VoiceAppFixture app)
{
    [Fact]
    public async Task AJobIsSpokenByTheQwen3EngineAndStoredAsItsResult()
    {
        var tenant = await app.CreateTenantAsync();
        using var engine = new Qwen3Engine(new Qwen3EngineOptions(Qwen3EngineTests.TinyModel, new OnnxProviderOptions("cpu"), Seed: 3), NullLogger.Instance);
        await engine.WarmUpAsync(CancellationToken.None);
        await using var worker = await WorkerHarness.StartAsync(app, engine);
        var entry = await worker.SubmitAndDeliverAsync(tenant.Id, "A job for the model. It has two sentences.", voice: "alloy");

        await worker.Runner.RunAsync([entry], WorkerHarness.Consumer, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));

        using var api = app.CreateApiClient(tenant.ApiKey);
        var status = await api.GetFromJsonAsync<JsonElement>($"/api/v1/task/{entry.JobId}");
        Assert.Equal("completed", status.GetProperty("status").GetString());
        var result = status.GetProperty("result");
        Assert.Equal("qwen3-onnx", result.GetProperty("engine").GetString());
        Assert.Equal("tiny-random-qwen3-tts (tests only)", result.GetProperty("model").GetString());
        Assert.True(result.GetProperty("duration_seconds").GetDouble() > 0.1);
        using var audio = await api.GetAsync($"/api/v1/task/{entry.JobId}/audio");
        byte[] wav = await audio.Content.ReadAsByteArrayAsync();
        Assert.Equal("RIFF"u8.ToArray(), wav[..4]);
    }
}
