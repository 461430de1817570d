using System.Net.Http.Json;
using System.Text.Json;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Hostile;

/// <summary>
/// A tenant that floods every realtime socket its plan allows (several contexts on each, all speaking, read as fast
/// as they come) must not hold another tenant's socket behind its work: the sockets' jobs share the queue's live
/// lane, where each tenant takes at most its share of the workers.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class SocketFloodTests(VoiceAppFixture app)
{
    private const int FloodSockets = 4, Contexts = 4, SentencesEach = 6;
    private const int Flood = FloodSockets * Contexts * SentencesEach;

    [Fact]
    public async Task AnotherTenantsSocketIsSpokenAheadOfTheFloodsQueue()
    {
        var noisy = await app.CreateTenantAsync();
        using var noisyApi = app.CreateApiClient(noisy.ApiKey);
        var quiet = await app.CreateTenantAsync();
        await using var socket = await SpeechSockets.ConnectAsync(app, quiet.ApiKey);
        var flood = new List<SocketClient>();
        for (int s = 0; s < FloodSockets; s++)
        {
            var flooder = await SpeechSockets.ConnectAsync(app, noisy.ApiKey);
            flood.Add(flooder);
            for (int c = 0; c < Contexts; c++)
            {
                for (int i = 0; i < SentencesEach; i++)
                {
                    await flooder.SendAsync(new { type = "text", context_id = $"c{c}", text = $"Socket {s}, context {c}, sentence {i} goes on for a while, so that the worker takes real time to speak it. " });
                }
                await flooder.SendAsync(new { type = "close", context_id = $"c{c}" });
            }
        }
        var reading = flood.Select(f => f.ReceiveUntilAsync(m => m.Type == "done" && f.Received.Count(d => d.Type == "done") == Contexts)).ToList();
        // Each context keeps a few jobs queued ahead of what it relays: half the flood is queued before the quiet tenant speaks.
        await WaitForTasksAsync(noisyApi, Flood / 2);

        await socket.SendAsync(new { type = "text", text = "A short sentence of my own." });
        await socket.SendAsync(new { type = "close" });
        var done = await socket.ReceiveUntilAsync(m => m.Type == "done");
        int spoken = await CompletedAsync(noisyApi);

        Assert.Equal(1, done.Json.GetProperty("usage").GetProperty("tasks").GetInt32());
        // Queued behind the flood, the quiet sentence would have waited for the Flood / 2 jobs queued before it.
        Assert.True(spoken < Flood / 4, $"the quiet tenant's sentence was spoken only after {spoken} of the flood's {Flood / 2} queued sentences");
        await Task.WhenAll(reading); // and the flood itself is served in full
        foreach (var flooder in flood)
        {
            Assert.Equal(Contexts * SentencesEach, flooder.Received.Where(m => m.Type == "done").Sum(m => m.Json.GetProperty("usage").GetProperty("tasks").GetInt32()));
            await flooder.DisposeAsync();
        }
    }

    private static async Task<int> CompletedAsync(HttpClient api) =>
        (await api.GetFromJsonAsync<JsonElement>("/api/v1/tasks?limit=200")).GetProperty("data").EnumerateArray()
            .Count(t => t.GetProperty("status").GetString() == "completed");

    private static async Task WaitForTasksAsync(HttpClient api, int count)
    {
        var deadline = DateTime.UtcNow + SocketClient.Patience;
        while ((await api.GetFromJsonAsync<JsonElement>("/api/v1/tasks?limit=200")).GetProperty("data").GetArrayLength() < count)
        {
            Assert.True(DateTime.UtcNow < deadline, "the flood's sentences were never queued");
            await Task.Delay(100);
        }
    }
}
