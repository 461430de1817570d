using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Hostile;

/// <summary>
/// A client must not choose the address its failed logins and sign-ups are counted against: <c>X-Forwarded-For</c>
/// is believed only from a named proxy (loopback, or <c>ForwardedHeaders:KnownNetworks</c>), and the generated
/// deployment names its networks instead of trusting every caller (Aspire's default for published projects).
/// The service listens on this machine's non-loopback address, so the request arrives from an unnamed hop.
/// </summary>
public sealed class ForwardedHeadersTests
{
    [Fact]
    public async Task AForwardedAddressFromAnUnnamedHopIsIgnored()
    {
        var (address, seen) = await ClientAddressAsync(knownNetworks: null);
        Assert.Equal(address, seen);
    }

    [Fact]
    public async Task AForwardedAddressFromANamedNetworkIsBelieved()
    {
        var (address, seen) = await ClientAddressAsync(knownNetworks: $"{HostAddress()}/32");
        Assert.NotEqual(address, seen);
        Assert.Equal(IPAddress.Parse("203.0.113.9"), seen);
    }

    [Fact]
    public void AMalformedNetworkStopsStartUp()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [TrustedProxies.NetworksKey] = "10.0.0.0/8, everyone" }).Build();
        var error = Assert.Throws<InvalidOperationException>(() => TrustedProxies.Parse(configuration));
        Assert.Contains("'everyone'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheGeneratedDeploymentTrustsNamedNetworksOnly()
    {
        string deploy = Path.Combine(RepositoryPaths.Root, "deploy");
        foreach (string file in Directory.GetFiles(deploy, "*.env", SearchOption.AllDirectories).Append(Path.Combine(deploy, "aspire-manifest.json")))
        {
            Assert.DoesNotContain("ASPNETCORE_FORWARDEDHEADERS_ENABLED", File.ReadAllText(file), StringComparison.Ordinal);
        }
        foreach (string service in new[] { "api", "web" })
        {
            string env = File.ReadAllText(Path.Combine(deploy, "k8s", "base", $"{service}.env"));
            Assert.Contains("ForwardedHeaders__KnownNetworks=10.0.0.0/8,", env, StringComparison.Ordinal);
        }
    }

    /// <summary>Sends a request with a forged X-Forwarded-For over the machine's own non-loopback address; answers (that address, what the service saw).</summary>
    private static async Task<(IPAddress Address, IPAddress Seen)> ClientAddressAsync(string? knownNetworks)
    {
        var address = HostAddress();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseUrls($"http://{address}:0");
        if (knownNetworks is not null)
        {
            builder.Configuration[TrustedProxies.NetworksKey] = knownNetworks;
        }
        await using var app = builder.Build();
        app.UseTrustedForwardedHeaders();
        app.MapGet("/who", (HttpContext context) => context.Connection.RemoteIpAddress!.ToString());
        await app.StartAsync();
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{app.Urls.First()}/who");
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");
        using var response = await http.SendAsync(request);
        var seen = IPAddress.Parse(await response.Content.ReadAsStringAsync());
        await app.StopAsync();
        return (address, seen.IsIPv4MappedToIPv6 ? seen.MapToIPv4() : seen);
    }

    private static IPAddress HostAddress() => NetworkInterface.GetAllNetworkInterfaces()
        .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
        .SelectMany(n => n.GetIPProperties().UnicastAddresses)
        .Select(a => a.Address)
        .First(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
}
