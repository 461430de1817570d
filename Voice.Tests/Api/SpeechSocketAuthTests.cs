using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Api;

/// <summary>
/// First-message authentication of the speech socket (for browsers, which cannot set headers): a socket upgraded
/// without a key must send <c>{"type":"auth","api_key":…}</c> first and in time, checked as the header is; anything
/// else closes it with 1008 and says why; and nobody can hold many such sockets open.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class SpeechSocketAuthTests(VoiceAppFixture app)
{
    private const WebSocketCloseStatus TryAgainLater = (WebSocketCloseStatus)1013;

    [Fact]
    public async Task AnAuthMessageFirstAuthenticatesASocketUpgradedWithoutAKey()
    {
        var tenant = await app.CreateTenantAsync();
        await using var socket = await SpeechSockets.ConnectAnonymousAsync(app);
        await socket.SendAsync(new { type = "auth", api_key = tenant.ApiKey });
        await socket.SendAsync(new { type = "text", text = "Hello from a browser." });
        await socket.SendAsync(new { type = "close" });

        await socket.ReceiveUntilAsync(m => m.Type == "ready");
        var done = await socket.ReceiveUntilAsync(m => m.Type == "done");
        Assert.Equal(1, done.Json.GetProperty("usage").GetProperty("tasks").GetInt32());
        // The job is the tenant's, as with the header.
        using var api = app.CreateApiClient(tenant.ApiKey);
        var task = socket.Received.Single(m => m.Type == "queued").Json.GetProperty("task_id").GetGuid();
        Assert.Equal("completed", (await TaskPolling.WaitForFinishAsync(api, task, SocketClient.Patience)).GetProperty("status").GetString());
    }

    public static TheoryData<string, string> WrongFirstMessages() => new()
    {
        { """{"type":"text","text":"Hello"}""", "auth" },
        { """{"type":"settings","voice":"nova"}""", "auth" },
        { "not json", "auth" },
        { """{"type":"auth"}""", "auth" },
        { """{"type":"auth","api_key":"vk_live_short"}""", "malformed" },
        { """{"type":"auth","api_key":"vk_live_aaaaaaaaaaaa_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}""", "not valid" },
    };

    [Theory]
    [MemberData(nameof(WrongFirstMessages))]
    public async Task AnythingButAGoodAuthMessageFirstClosesWithPolicyViolation(string first, string reason)
    {
        await using var socket = await SpeechSockets.ConnectAnonymousAsync(app);
        await socket.SendRawAsync(System.Text.Encoding.UTF8.GetBytes(first), WebSocketMessageType.Text);

        var error = await socket.ReceiveUntilAsync(m => m.Type == "error", allowClose: true);
        Assert.Equal(401, error?.Json.GetProperty("status").GetInt32());
        var (status, why) = await socket.ClosedAsync();
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Contains(reason, why, StringComparison.Ordinal);
        Assert.DoesNotContain(socket.Received, m => m.Type == "ready");
    }

    [Fact]
    public async Task AKeyWithoutSpeechWriteIsRefusedAsTheHeaderIs()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        using var created = await api.PostAsJsonAsync("/api/v1/keys", new { name = "usage only", scopes = new[] { "usage:read" } });
        created.EnsureSuccessStatusCode();
        string usageKey = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;

        await using var socket = await SpeechSockets.ConnectAnonymousAsync(app);
        await socket.SendAsync(new { type = "auth", api_key = usageKey });
        Assert.Equal(403, (await socket.ReceiveUntilAsync(m => m.Type == "error", allowClose: true))?.Json.GetProperty("status").GetInt32());
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, (await socket.ClosedAsync()).Status);

        using var header = SpeechSockets.NewClient();
        header.Options.SetRequestHeader("Authorization", "Bearer " + usageKey);
        var refused = await Assert.ThrowsAnyAsync<WebSocketException>(() => header.ConnectAsync(SpeechSockets.Uri(app), CancellationToken.None));
        Assert.Contains("403", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASocketThatDoesNotAuthenticateInTimeIsClosed()
    {
        await using var socket = await SpeechSockets.ConnectAnonymousAsync(app);
        var started = DateTime.UtcNow;
        var (status, why) = await socket.ClosedAsync();
        var waited = DateTime.UtcNow - started;
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Contains("No auth message", why, StringComparison.Ordinal);
        Assert.InRange(waited, VoiceAppFixture.SocketAuthTimeout - TimeSpan.FromSeconds(1), VoiceAppFixture.SocketAuthTimeout + TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task OneAddressHoldsOnlyAFewUnauthenticatedSockets()
    {
        var tenant = await app.CreateTenantAsync();
        string address = VoiceAppFixture.RandomClientAddress();
        var waiting = new List<SocketClient>();
        for (int i = 0; i < VoiceAppFixture.UnauthenticatedSocketsPerAddress; i++)
        {
            waiting.Add(await SpeechSockets.ConnectAnonymousAsync(app, address));
        }
        var refused = await Assert.ThrowsAnyAsync<WebSocketException>(() => SpeechSockets.ConnectAnonymousAsync(app, address));
        Assert.Contains("429", refused.Message, StringComparison.Ordinal);
        // Another address is not affected, and a key on the upgrade never waits.
        await using (await SpeechSockets.ConnectAnonymousAsync(app))
        {
        }
        using (var header = SpeechSockets.NewClient(address))
        {
            header.Options.SetRequestHeader("Authorization", "Bearer " + tenant.ApiKey);
            await header.ConnectAsync(SpeechSockets.Uri(app), CancellationToken.None);
            await new SocketClient(header).ReceiveUntilAsync(m => m.Type == "ready");
        }
        // A place frees when a waiting socket authenticates.
        await waiting[0].SendAsync(new { type = "auth", api_key = tenant.ApiKey });
        await waiting[0].ReceiveUntilAsync(m => m.Type == "ready");
        await using (await SpeechSockets.ConnectAnonymousAsync(app, address))
        {
        }
        foreach (var socket in waiting)
        {
            await socket.DisposeAsync();
        }
    }

    [Fact]
    public async Task TheTenantsSocketCapHoldsForFirstMessageAuthenticationToo()
    {
        var tenant = await app.CreateTenantAsync();
        var open = new List<SocketClient>();
        for (int i = 0; i < VoiceAppFixture.SocketsPerTenant; i++)
        {
            open.Add(await SpeechSockets.ConnectAsync(app, tenant.ApiKey));
        }
        await using var extra = await SpeechSockets.ConnectAnonymousAsync(app);
        await extra.SendAsync(new { type = "auth", api_key = tenant.ApiKey });
        Assert.Equal(429, (await extra.ReceiveUntilAsync(m => m.Type == "error", allowClose: true))?.Json.GetProperty("status").GetInt32());
        var (status, why) = await extra.ClosedAsync();
        Assert.Equal(TryAgainLater, status);
        Assert.Contains($"at most {VoiceAppFixture.SocketsPerTenant} speech sockets", why, StringComparison.Ordinal);
        foreach (var socket in open)
        {
            await socket.DisposeAsync();
        }
    }
}
