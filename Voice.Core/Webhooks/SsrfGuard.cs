using System.Net;
using System.Net.Sockets;

namespace Voice.Core.Webhooks;

/// <summary>
/// Keeps webhook delivery from being turned against the platform's own network (server-side request
/// forgery): only http/https URLs without credentials, and only public addresses — never loopback,
/// private, link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, unique-local, multicast or
/// unspecified, nor the IPv6 forms that carry an IPv4 address (IPv4-compatible, NAT64, 6to4, Teredo) or the old
/// site-local range — unless a network is explicitly allowed (development). Ports below 1024 other than 80 and 443
/// are refused (no webhook is an SSH or SMTP server), except in an explicitly allowed network. The address is checked on the connection actually made, so a
/// DNS answer cannot change between the check and the request.
/// </summary>
public sealed class SsrfGuard(IReadOnlyList<IPNetwork> allowedPrivateNetworks)
{
    private static readonly IPNetwork[] Forbidden =
    [
        IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("100.64.0.0/10"),
        IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("169.254.0.0/16"), IPNetwork.Parse("172.16.0.0/12"),
        IPNetwork.Parse("192.0.0.0/24"), IPNetwork.Parse("192.0.2.0/24"), IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("198.18.0.0/15"), IPNetwork.Parse("198.51.100.0/24"), IPNetwork.Parse("203.0.113.0/24"),
        IPNetwork.Parse("224.0.0.0/4"), IPNetwork.Parse("240.0.0.0/4"),
        IPNetwork.Parse("::/128"), IPNetwork.Parse("::1/128"), IPNetwork.Parse("fc00::/7"), IPNetwork.Parse("fe80::/10"),
        IPNetwork.Parse("ff00::/8"), IPNetwork.Parse("64:ff9b::/96"), IPNetwork.Parse("2001:db8::/32"),
        IPNetwork.Parse("::/96"), IPNetwork.Parse("64:ff9b:1::/48"), IPNetwork.Parse("2002::/16"), IPNetwork.Parse("2001::/32"),
        IPNetwork.Parse("fec0::/10"),
    ];

    /// <summary>Whether a webhook may use the port: 80, 443, or any unprivileged one.</summary>
    public static bool IsAllowedPort(int port) => port is 80 or 443 or (>= 1024 and <= 65535);

    /// <summary>Why the URL is unacceptable, or null when it may be used.</summary>
    public string? CheckUrl(string? url)
    {
        if (url is null || url.Length > 2048 || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return "Must be an absolute URL of at most 2048 characters.";
        }
        if (uri.Scheme is not ("https" or "http"))
        {
            return "Only http and https URLs can receive webhooks.";
        }
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            return "The URL must not contain credentials.";
        }
        if (uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 && !IsAllowed(IPAddress.Parse(uri.IdnHost)))
        {
            return "The URL points at a private, loopback or link-local address.";
        }
        if (!IsAllowedPort(uri.Port) && !(IPAddress.TryParse(uri.IdnHost, out var literal) && IsTrusted(literal)))
        {
            return $"Port {uri.Port} is not allowed: use 80, 443 or a port from 1024 up.";
        }
        return null;
    }

    /// <summary>In a network the operator allowed explicitly (development, a cluster-internal receiver): any port goes.</summary>
    private bool IsTrusted(IPAddress address) =>
        allowedPrivateNetworks.Any(n => n.Contains(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address));

    public bool IsAllowed(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (allowedPrivateNetworks.Any(n => n.Contains(address)))
        {
            return true;
        }
        return !Forbidden.Any(n => n.Contains(address));
    }

    /// <summary>Resolves the host and connects only to an allowed address; refuses when it has none.</summary>
    public async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, CancellationToken cancellationToken)
    {
        IPAddress[] addresses = IPAddress.TryParse(endpoint.Host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(endpoint.Host, cancellationToken).ConfigureAwait(false);
        var address = addresses.FirstOrDefault(IsAllowed)
            ?? throw new WebhookTargetRefusedException($"'{endpoint.Host}' resolves only to addresses that webhooks may not reach.");
        if (!IsAllowedPort(endpoint.Port) && !IsTrusted(address))
        {
            throw new WebhookTargetRefusedException($"Port {endpoint.Port} is not allowed for webhooks.");
        }
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(address, endpoint.Port, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

public sealed class WebhookTargetRefusedException(string message) : Exception(message);
