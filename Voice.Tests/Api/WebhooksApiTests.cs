using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Voice.Core.Webhooks;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Api;

[Collection(AppCollection.Name)]
public sealed class WebhooksApiTests(VoiceAppFixture app)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task CompletedTaskIsDeliveredSignedWithTheEndpointsSecret()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        var (webhookId, secret) = await CreateWebhookAsync(api, receiver.Url("/hooks/voice"));

        var taskId = (await TaskLifecycleTests.FloodAsync(api, 1))[0];
        var delivery = await receiver.WaitForAsync(r => r.Body.Contains(taskId.ToString(), StringComparison.Ordinal), Patience);

        Assert.Equal("task.completed", delivery.Headers["Voice-Event"]);
        var signature = delivery.Headers["Voice-Signature"];
        long timestamp = long.Parse(signature.Split(',')[0][2..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - timestamp, -5, 60);
        Assert.Equal(WebhookSender.Sign(System.Text.Encoding.UTF8.GetBytes(secret), timestamp, delivery.Body), signature);
        Assert.NotEqual(WebhookSender.Sign("whsec_wrong"u8, timestamp, delivery.Body), signature);
        var body = JsonDocument.Parse(delivery.Body).RootElement;
        Assert.Equal("task.completed", body.GetProperty("type").GetString());
        Assert.Equal(delivery.Headers["Voice-Delivery"], body.GetProperty("id").GetString());
        Assert.Equal("completed", body.GetProperty("data").GetProperty("status").GetString());
        Assert.Equal(24_000, body.GetProperty("data").GetProperty("result").GetProperty("sample_rate").GetInt32());

        var log = await WaitForDeliveryAsync(api, webhookId, d => d.GetProperty("status").GetString() == "delivered");
        Assert.Equal(1, log.GetProperty("attempts").GetInt32());
        Assert.Equal(200, log.GetProperty("last_status_code").GetInt32());
    }

    [Fact]
    public async Task FailedDeliveryIsRetriedUntilTheReceiverAccepts()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Script.Enqueue(500);
        receiver.Script.Enqueue(503);
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        var (webhookId, _) = await CreateWebhookAsync(api, receiver.Url("/flaky"));

        await TaskLifecycleTests.FloodAsync(api, 1);
        var log = await WaitForDeliveryAsync(api, webhookId, d => d.GetProperty("status").GetString() == "delivered");

        Assert.Equal(3, log.GetProperty("attempts").GetInt32());
        Assert.Equal(3, receiver.Requests.Count);
        var ids = receiver.Requests.Select(r => r.Headers["Voice-Delivery"]).Distinct();
        Assert.Single(ids); // the same delivery, retried — not three events
        var times = receiver.Requests.Select(r => r.At).ToList();
        Assert.True(times[1] - times[0] >= TimeSpan.FromMilliseconds(400), "retried without backing off"); // base 1 s, jitter ≥ 0.5
    }

    [Fact]
    public async Task RedirectsAreNotFollowed()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.RedirectTo = receiver.Url("/moved");
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        var (webhookId, _) = await CreateWebhookAsync(api, receiver.Url("/start"));

        await TaskLifecycleTests.FloodAsync(api, 1);
        var log = await WaitForDeliveryAsync(api, webhookId, d => d.GetProperty("attempts").GetInt32() >= 1);

        Assert.Equal("pending", log.GetProperty("status").GetString());
        Assert.Equal(302, log.GetProperty("last_status_code").GetInt32());
        Assert.Contains("Redirects are not followed", log.GetProperty("last_error").GetString());
        Assert.DoesNotContain(receiver.Requests, r => r.Path == "/moved");
        (await api.DeleteAsync($"/api/v1/webhooks/{webhookId}")).EnsureSuccessStatusCode();
    }

    [Theory]
    [InlineData("http://10.0.0.5/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://192.168.1.1:8080/")]
    [InlineData("http://[::1]/hook")]
    [InlineData("http://[fd00::1]/hook")]
    [InlineData("ftp://example.com/hook")]
    [InlineData("https://user:pass@example.com/hook")]
    [InlineData("not a url")]
    public async Task PrivateOrMalformedTargetsAreRefused(string url)
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);

        using var webhook = await api.PostAsJsonAsync("/api/v1/webhooks", new { url });
        var problem = await GenerateValidationTests.AssertProblemAsync(webhook, HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");
        Assert.True(problem.GetProperty("errors").TryGetProperty("url", out _));

        await api.PostAsync("/api/v1/webhooks/callback-secret", null);
        using var callback = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = "x", callback_url = url });
        var callbackProblem = await GenerateValidationTests.AssertProblemAsync(callback, HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");
        Assert.True(callbackProblem.GetProperty("errors").TryGetProperty("callback_url", out _));
    }

    [Fact]
    public async Task CallbackUrlGetsTheTasksEventSignedWithTheCallbackSecret()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        using var refused = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = "Call me back.", callback_url = receiver.Url("/cb") });
        await GenerateValidationTests.AssertProblemAsync(refused, HttpStatusCode.BadRequest, "https://voice.dev/problems/validation"); // no secret yet

        string secret = (await (await api.PostAsync("/api/v1/webhooks/callback-secret", null)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;
        using var submitted = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = "Call me back.", callback_url = receiver.Url("/cb") });
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);

        var delivery = await receiver.WaitForAsync(r => r.Path == "/cb", Patience);
        long timestamp = long.Parse(delivery.Headers["Voice-Signature"].Split(',')[0][2..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(WebhookSender.Sign(System.Text.Encoding.UTF8.GetBytes(secret), timestamp, delivery.Body), delivery.Headers["Voice-Signature"]);
    }

    [Fact]
    public async Task WebhookSecretIsShownOnceAndManagementWorks()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        var (id, secret) = await CreateWebhookAsync(api, "http://127.0.0.1:9/x");

        string listing = await api.GetStringAsync("/api/v1/webhooks");
        Assert.Contains(id.ToString(), listing);
        Assert.DoesNotContain(secret, listing);

        using var patched = await api.PatchAsJsonAsync($"/api/v1/webhooks/{id}", new { events = new[] { "task.failed" }, enabled = false });
        var view = await patched.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(view.GetProperty("enabled").GetBoolean());
        Assert.Equal(["task.failed"], view.GetProperty("events").EnumerateArray().Select(e => e.GetString()));

        using var badEvents = await api.PatchAsJsonAsync($"/api/v1/webhooks/{id}", new { events = new[] { "task.exploded" } });
        await GenerateValidationTests.AssertProblemAsync(badEvents, HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/v1/webhooks/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/api/v1/webhooks/{id}")).StatusCode);
    }

    internal static async Task<(Guid Id, string Secret)> CreateWebhookAsync(HttpClient api, string url)
    {
        using var created = await api.PostAsJsonAsync("/api/v1/webhooks", new { url, description = "test receiver" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        string secret = body.GetProperty("secret").GetString()!;
        Assert.StartsWith("whsec_", secret);
        return (body.GetProperty("webhook").GetProperty("id").GetGuid(), secret);
    }

    private static async Task<JsonElement> WaitForDeliveryAsync(HttpClient api, Guid webhookId, Func<JsonElement, bool> match)
    {
        using var cts = new CancellationTokenSource(Patience);
        while (true)
        {
            var log = await api.GetFromJsonAsync<JsonElement>($"/api/v1/webhooks/{webhookId}/deliveries", cts.Token);
            if (log.GetProperty("data").EnumerateArray().FirstOrDefault(match) is { ValueKind: JsonValueKind.Object } found)
            {
                return found;
            }
            await Task.Delay(200, cts.Token);
        }
    }
}
