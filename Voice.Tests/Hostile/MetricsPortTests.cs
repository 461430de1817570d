using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Hostile;

/// <summary>
/// With <c>Telemetry:MetricsPort</c>, <c>/metrics</c> answers only on that port. A client on the public port cannot
/// reach it by naming the metrics port in its Host header: the port the connection arrived on decides.
/// </summary>
public sealed class MetricsPortTests
{
    [Fact]
    public async Task MetricsAnswerOnlyOnTheMetricsPortWhateverTheHostHeaderSays()
    {
        int publicPort = FreePorts.Next(), metricsPort = FreePorts.Next();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseUrls($"http://127.0.0.1:{publicPort}", $"http://127.0.0.1:{metricsPort}");
        builder.Configuration["Telemetry:Prometheus"] = "true";
        builder.Configuration["Telemetry:MetricsPort"] = metricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        builder.AddServiceDefaults();
        await using var app = builder.Build();
        app.MapDefaultEndpoints();
        await app.StartAsync();
        using var http = new HttpClient();

        using var spoofed = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{publicPort}/metrics");
        spoofed.Headers.Host = $"127.0.0.1:{metricsPort}";
        using var fromPublic = await http.SendAsync(spoofed);
        using var fromMetrics = await http.GetAsync($"http://127.0.0.1:{metricsPort}/metrics");

        Assert.Equal(HttpStatusCode.NotFound, fromPublic.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fromMetrics.StatusCode);
        await app.StopAsync();
    }

}
