using System.Net;
using System.Net.Sockets;

namespace Voice.ApiService.Security;

/// <summary>
/// Groups client addresses into the networks one party controls: a home or cloud customer is usually given a whole
/// IPv6 /64 (and often a /48), so counting per IPv6 address would let one attacker rotate through 2^64 of them.
/// IPv4-mapped IPv6 addresses (<c>::ffff:a.b.c.d</c>, what dual-stack sockets report) count as the IPv4 address.
/// </summary>
public static class ClientNetworks
{
    /// <summary>The block that per-address throttling counts: the IPv4 address itself, or the IPv6 /64.</summary>
    public static string ThrottleKey(IPAddress address) => Key(address, ipv4Prefix: 32, ipv6Prefix: 64);

    /// <summary>The network that sign-ups are capped per: IPv4 /24, IPv6 /48.</summary>
    public static string SignUpKey(IPAddress address) => Key(address, ipv4Prefix: 24, ipv6Prefix: 48);

    /// <summary>The network of <paramref name="address"/> as <c>prefix/length</c> (<c>203.0.113.0/24</c>, <c>2001:db8:1:2::/64</c>).</summary>
    public static string Key(IPAddress address, int ipv4Prefix, int ipv6Prefix)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        int prefix = address.AddressFamily == AddressFamily.InterNetwork ? ipv4Prefix : ipv6Prefix;
        byte[] bytes = address.GetAddressBytes();
        for (int bit = prefix; bit < bytes.Length * 8; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }
        return $"{new IPAddress(bytes)}/{prefix}";
    }
}
