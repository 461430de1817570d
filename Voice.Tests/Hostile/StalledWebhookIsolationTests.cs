using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Hostile;

/// <summary>
/// The fourth attack of the hostile-tenant issue, against the running platform: a tenant whose webhook endpoint
/// answers a 500 promising a body and then sends nothing holds each of its deliveries for the whole deadline
/// (10 s). Another tenant's deliveries must not wait for those: the dispatcher starts each due delivery as soon as
/// a slot is free, and one tenant holds at most two slots.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class StalledWebhookIsolationTests(VoiceAppFixture app)
{
    [Fact]
    public async Task AnotherTenantsWebhooksArriveWhileOneTenantsReceiverStalls()
    {
        using var stall = new StallingServer();
        var attacker = await app.CreateTenantAsync();
        using var attackerApi = app.CreateApiClient(attacker.ApiKey);
        (await attackerApi.PostAsJsonAsync("/api/v1/webhooks", new { url = $"http://127.0.0.1:{stall.Port}/hook" })).EnsureSuccessStatusCode();
        await SubmitManyAsync(attackerApi, 20);
        await stall.WaitForConnectionsAsync(2, TimeSpan.FromSeconds(60)); // the dispatcher is now busy with stalled deliveries

        await using var receiver = await WebhookReceiver.StartAsync();
        var victim = await app.CreateTenantAsync();
        using var victimApi = app.CreateApiClient(victim.ApiKey);
        (await victimApi.PostAsJsonAsync("/api/v1/webhooks", new { url = receiver.Url("/victim") })).EnsureSuccessStatusCode();
        var waits = new List<TimeSpan>();
        for (int i = 0; i < 5; i++)
        {
            var started = Stopwatch.StartNew();
            using var submitted = await victimApi.PostAsJsonAsync("/api/v1/voice/generate", new { text = $"Delivered on time, number {i}." });
            Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
            string taskId = (await submitted.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("task_id").GetString()!;
            await receiver.WaitForAsync(r => r.Path == "/victim" && r.Body.Contains(taskId, StringComparison.Ordinal) && r.Body.Contains("task.completed", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
            waits.Add(started.Elapsed);
        }

        // Each is a short job plus a delivery; waiting for a stalled delivery's deadline would add up to 10 s to some.
        Assert.True(waits.Max() < TimeSpan.FromSeconds(6), "submission to webhook: " + string.Join(", ", waits.Select(w => $"{w.TotalSeconds:0.0} s")));
        Assert.True(stall.Connections >= 2);
    }

    private static async Task SubmitManyAsync(HttpClient api, int count)
    {
        for (int i = 0; i < count; i++)
        {
            using var response = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = $"Stall number {i}." });
            response.EnsureSuccessStatusCode();
        }
    }

    /// <summary>Accepts every connection, answers a 500 with Content-Length: 1024 and seven bytes of body, then holds the connection open.</summary>
    private sealed class StallingServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private int _connections;

        public StallingServer()
        {
            _listener.Start();
            _ = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Connections => Volatile.Read(ref _connections);

        public async Task WaitForConnectionsAsync(int count, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (Connections < count)
            {
                Assert.True(DateTime.UtcNow < deadline, $"only {Connections} deliveries reached the stalling receiver");
                await Task.Delay(100);
            }
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (Exception)
                {
                    return;
                }
                Interlocked.Increment(ref _connections);
                _ = HoldAsync(client);
            }
        }

        private async Task HoldAsync(TcpClient client)
        {
            using (client)
            {
                try
                {
                    var stream = client.GetStream();
                    _ = await stream.ReadAsync(new byte[16384], _stop.Token);
                    await stream.WriteAsync("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 1024\r\n\r\npartial"u8.ToArray(), _stop.Token);
                    await Task.Delay(TimeSpan.FromMinutes(2), _stop.Token);
                }
                catch (Exception)
                {
                    // the test ended, or the sender gave up at its deadline
                }
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _stop.Dispose();
        }
    }
}
