using System.Net;
using Voice.ApiService.Security;

namespace Voice.Tests.Accounts;

public sealed class ClientNetworksTests
{
    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7/32")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7/32")] // what a dual-stack socket reports for an IPv4 client
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:3::1", "2001:db8:1:3::/64")]
    public void ThrottlingCountsAnIPv4AddressAloneAndAnIPv6AddressByItsSlash64(string address, string key)
    {
        Assert.Equal(key, ClientNetworks.ThrottleKey(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("203.0.113.7", "203.0.113.0/24")]
    [InlineData("::ffff:203.0.113.250", "203.0.113.0/24")]
    [InlineData("2001:db8:1:2:3:4:5:6", "2001:db8:1::/48")]
    [InlineData("2001:db8:1:ffff::1", "2001:db8:1::/48")]
    public void SignUpsAreCountedPerSlash24OrSlash48(string address, string key)
    {
        Assert.Equal(key, ClientNetworks.SignUpKey(IPAddress.Parse(address)));
    }

    [Fact]
    public void AddressesOfOneSlash64ShareAKeyAndNeighboursDoNot()
    {
        string a = ClientNetworks.ThrottleKey(IPAddress.Parse("2001:db8::1"));
        string b = ClientNetworks.ThrottleKey(IPAddress.Parse("2001:db8::ffff:ffff:ffff:ffff"));
        string neighbour = ClientNetworks.ThrottleKey(IPAddress.Parse("2001:db8:0:1::1"));

        Assert.Equal(a, b);
        Assert.NotEqual(a, neighbour);
    }
}
