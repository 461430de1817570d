using System.Net.Http.Json;
using System.Text.Json;
using StackExchange.Redis;
using Microsoft.Extensions.Logging.Abstractions;
using Voice.ApiService.Pools;
using Voice.Core.Pools;
using Voice.Speech.Engines;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Api;

/// <summary>
/// The models list is the live pools: what the running workers announced from their loaded engines. The platform's
/// worker serves the embedded engine's pool; a pool announced here (as a worker would) appears, and leaves the list
/// when it withdraws or its announcement expires.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class ModelsApiTests(VoiceAppFixture app)
{
    [Fact]
    public async Task TheRunningWorkersPoolIsListedWithWhatItsEngineCanDo()
    {
        using var api = app.CreateApiClient((await app.CreateTenantAsync()).ApiKey);

        var espeak = await WaitForModelAsync(api, "espeak", present: true);
        var openAi = await api.GetFromJsonAsync<JsonElement>("/v1/models");

        Assert.Equal("espeak", espeak.GetProperty("engine").GetString());
        Assert.Equal(["preset", "design", "clone"], espeak.GetProperty("modes").EnumerateArray().Select(m => m.GetString()));
        Assert.Contains("en", espeak.GetProperty("languages").EnumerateArray().Select(l => l.GetString()));
        Assert.True(espeak.GetProperty("workers").GetInt32() >= 1);
        Assert.False(espeak.GetProperty("gpu").GetBoolean());
        Assert.Contains(openAi.GetProperty("data").EnumerateArray(), m => m.GetProperty("id").GetString() == "espeak" && m.GetProperty("owned_by").GetString() == "voice:espeak");
    }

    [Fact]
    public async Task APoolLeavesTheListWhenItWithdrawsOrItsAnnouncementExpires()
    {
        using var api = app.CreateApiClient((await app.CreateTenantAsync()).ApiKey);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(await app.ConnectionStringAsync("redis"));
        var registry = new PoolRegistry(redis, TimeProvider.System);
        string name = "test-" + Guid.NewGuid().ToString("N")[..8];
        var pool = new PoolAnnouncement(name, "qwen3-onnx", "Qwen3-TTS-12Hz-0.6B-Base", ["clone"], ["en", "zh"], 24_000, 8, true, false, true);

        await registry.AnnounceAsync(pool, "worker-a", TimeSpan.FromMinutes(1));
        await registry.AnnounceAsync(pool, "worker-b", TimeSpan.FromSeconds(2));
        var listed = await WaitForModelAsync(api, name, present: true);
        Assert.Equal(2, listed.GetProperty("workers").GetInt32());
        Assert.Equal(["clone"], listed.GetProperty("modes").EnumerateArray().Select(m => m.GetString()));
        Assert.True(listed.GetProperty("gpu").GetBoolean());

        await registry.WithdrawAsync(name, "worker-a");
        await Task.Delay(TimeSpan.FromSeconds(2.5)); // worker-b's announcement expires without a beat
        await WaitForModelAsync(api, name, present: false);
    }

    [Fact]
    public async Task EveryModelTheListShowsCanBeNamedInASpeechRequest()
    {
        using var api = app.CreateApiClient((await app.CreateTenantAsync()).ApiKey);
        string pool = "named-" + Guid.NewGuid().ToString("N")[..8]; // a pool under a name of its own (Worker:Pool)
        await using var worker = await WorkerProcesses.StartAsync(app, pool, count: 1);
        await WaitForModelAsync(api, pool, present: true);
        await Task.Delay(TimeSpan.FromSeconds(2.5)); // the API's view of the pools refreshes every 2 s
        var listed = (await api.GetFromJsonAsync<JsonElement>("/v1/models")).GetProperty("data").EnumerateArray()
            .Select(m => m.GetProperty("id").GetString()!).ToList();
        Assert.Contains(pool, listed);

        foreach (string model in listed.Where(m => m == pool || m is "espeak" or "tts-1"))
        {
            using var spoken = await api.PostAsJsonAsync("/v1/audio/speech", new { model, input = "Named by its model.", voice = "alloy", response_format = "wav" });
            Assert.True(spoken.IsSuccessStatusCode, $"{model}: {spoken.StatusCode} {await spoken.Content.ReadAsStringAsync()}");
            Assert.NotEmpty(await spoken.Content.ReadAsByteArrayAsync());
        }
        using var unknown = await api.PostAsJsonAsync("/v1/audio/speech", new { model = "no-such-pool", input = "x", voice = "alloy" });
        string error = await unknown.Content.ReadAsStringAsync();
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains(pool, error, StringComparison.Ordinal); // it names the models there are
    }

    [Fact]
    public async Task RequestsAreRoutedOverThePoolsOfTheLastTenMinutes()
    {
        // A Redis database of its own: only the pools this test announces exist there.
        await using var redis = await ConnectionMultiplexer.ConnectAsync(await app.ConnectionStringAsync("redis") + ",defaultDatabase=10,allowAdmin=true");
        await redis.GetServers()[0].FlushDatabaseAsync(10);
        var registry = new PoolRegistry(redis, TimeProvider.System);
        var directory = new PoolDirectory(registry, SpeechEngines.Describe(SpeechEngines.Espeak), NullLogger<PoolDirectory>.Instance);
        var router = new PoolRouter(directory);
        var plan = Voice.Core.Billing.PlanLimits.Fallback("test");

        await directory.RefreshAsync();
        Assert.Equal("espeak", router.Route(new RouteRequest(VoiceMode.Design, "en"), plan, []).Route!.Pool); // no pool yet: the configured engine

        await registry.AnnounceAsync(new PoolAnnouncement("qwen3-base-0.6b", "qwen3-onnx", "Base-0.6B", ["clone"], ["en"], 24_000, 8, true, false, true), "w1", TimeSpan.FromSeconds(1));
        await directory.RefreshAsync();
        var errors = new Dictionary<string, string[]>();
        Assert.Null(router.Route(new RouteRequest(VoiceMode.Design, "en"), plan, errors).Route); // the announced pools replace the stand-in
        Assert.Contains("clone", Assert.Single(errors["voice"]), StringComparison.Ordinal);

        await Task.Delay(TimeSpan.FromSeconds(1.5)); // its only worker stopped beating: restarting, its jobs wait for it
        await directory.RefreshAsync();
        Assert.Equal("qwen3-base-0.6b", router.Route(new RouteRequest(VoiceMode.Clone, "en"), plan, []).Route!.Pool);
        Assert.Equal(0, Assert.Single(directory.Pools).Workers);
        await redis.GetServers()[0].FlushDatabaseAsync(10);
    }

    private static async Task<JsonElement> WaitForModelAsync(HttpClient api, string id, bool present)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var models = (await api.GetFromJsonAsync<JsonElement>("/api/v1/models")).GetProperty("models").EnumerateArray().ToList();
            var found = models.FirstOrDefault(m => m.GetProperty("id").GetString() == id);
            if ((found.ValueKind == JsonValueKind.Object) == present)
            {
                return found;
            }
            Assert.True(DateTime.UtcNow < deadline, $"model '{id}' {(present ? "never appeared" : "never left")}: {string.Join(", ", models.Select(m => m.GetProperty("id").GetString()))}");
            await Task.Delay(250);
        }
    }
}
