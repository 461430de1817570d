using System.Net;
using Voice.Core.Webhooks;

namespace Voice.Tests.Core;

public sealed class SsrfGuardTests
{
    private readonly SsrfGuard _guard = new([]);

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("10.1.2.3")]
    [InlineData("172.20.0.1")]
    [InlineData("192.168.0.10")]
    [InlineData("169.254.169.254")]
    [InlineData("100.64.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("224.0.0.1")]
    [InlineData("::1")]
    [InlineData("fe80::1")]
    [InlineData("fd12:3456::1")]
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::a00:1")] // IPv4-compatible 10.0.0.1
    [InlineData("::7f00:1")] // IPv4-compatible 127.0.0.1
    [InlineData("64:ff9b::a9fe:a9fe")] // NAT64 169.254.169.254
    [InlineData("64:ff9b:1::a00:1")] // local-use NAT64
    [InlineData("2002:a00:1::1")] // 6to4 over 10.0.0.1
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2")] // Teredo
    [InlineData("fec0::1")] // site-local
    public void PrivateLoopbackAndLinkLocalAddressesAreRefused(string address)
    {
        Assert.False(_guard.IsAllowed(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("2606:4700:4700::1111")]
    public void PublicAddressesAreAllowed(string address)
    {
        Assert.True(_guard.IsAllowed(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("http://example.com:22/hook", false)]
    [InlineData("http://example.com:25/hook", false)]
    [InlineData("https://example.com:1023/hook", false)]
    [InlineData("https://example.com/hook", true)]
    [InlineData("http://example.com/hook", true)]
    [InlineData("https://example.com:8443/hook", true)]
    public void OnlyWebAndUnprivilegedPortsAreAccepted(string url, bool accepted)
    {
        Assert.Equal(accepted, _guard.CheckUrl(url) is null);
    }

    [Fact]
    public void AnExplicitlyAllowedNetworkIsReachable()
    {
        var development = new SsrfGuard([IPNetwork.Parse("127.0.0.0/8")]);

        Assert.True(development.IsAllowed(IPAddress.Loopback));
        Assert.False(development.IsAllowed(IPAddress.Parse("10.0.0.1")));
    }

    [Fact]
    public async Task SenderRefusesAForbiddenTargetWithoutConnecting()
    {
        using var sender = new WebhookSender(_guard);
        var delivery = new PendingDelivery(Guid.NewGuid(), Guid.NewGuid(), "task.completed", "http://10.255.255.1:9/hook", "{}", "s"u8.ToArray(), 0, DateTimeOffset.UtcNow);

        var started = DateTime.UtcNow;
        var (delivered, status, error) = await sender.SendAsync(delivery, DateTimeOffset.UtcNow, CancellationToken.None);

        Assert.False(delivered);
        Assert.Null(status);
        Assert.Contains("may not reach", error);
        // A connection attempt would wait for its 5 s connect timeout; the refusal comes before any (4 s: a cold, busy machine).
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(4), "it tried to connect instead of refusing");
    }

    [Fact]
    public void SignatureIsHmacSha256OfTimestampAndBody()
    {
        // Reference value computed independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
        string signature = WebhookSender.Sign("whsec_test"u8, 1_700_000_000, "{\"a\":1}");

        Assert.Equal("t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789", signature);
    }
}
