using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Client addresses (throttling, audit) come from <c>X-Forwarded-For</c> only when the hop that sent it is a
/// named proxy: loopback always (the development proxy, the portal beside the API), plus the networks in
/// <c>ForwardedHeaders:KnownNetworks</c> (comma-separated CIDR; in a cluster, the pod network, which network
/// policy opens to the ingress controller and the portal only). Anyone else's header is ignored, so a client
/// cannot pick the address its failed logins are counted against.
/// </summary>
public static class TrustedProxies
{
    public const string NetworksKey = "ForwardedHeaders:KnownNetworks";

    public static WebApplication UseTrustedForwardedHeaders(this WebApplication app)
    {
        var options = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto };
        foreach (var network in Parse(app.Configuration))
        {
            options.KnownIPNetworks.Add(network);
        }
        app.UseForwardedHeaders(options);
        return app;
    }

    /// <summary>The configured networks; a malformed entry stops start-up rather than trusting something unintended.</summary>
    public static IReadOnlyList<System.Net.IPNetwork> Parse(IConfiguration configuration)
    {
        string value = configuration[NetworksKey] ?? "";
        var networks = new List<System.Net.IPNetwork>();
        foreach (string entry in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!System.Net.IPNetwork.TryParse(entry, out var network))
            {
                throw new InvalidOperationException($"{NetworksKey}: '{entry}' is not a network in CIDR form (10.0.0.0/8, fd00::/8).");
            }
            networks.Add(network);
        }
        return networks;
    }
}
