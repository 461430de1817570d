using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Voice.ApiService.Security;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Hostile;

/// <summary>
/// <see cref="AdminListener"/> alone, on two real ports: with Admin:Port the connection's port decides (the Host header
/// does not); without it, everything answers everywhere, as before the admin listener existed.
/// </summary>
public sealed class AdminListenerMiddlewareTests
{
    [Fact]
    public async Task WithAnAdminPortEachRouteAnswersOnlyOnItsOwnPort()
    {
        int publicPort = FreePorts.Next(), adminPort = FreePorts.Next();
        await using var app = await StartAsync(publicPort, adminPort, configured: true);
        using var http = new HttpClient();

        Assert.Equal(HttpStatusCode.NotFound, await GetAsync(http, publicPort, "/admin/v1/tenants", host: $"127.0.0.1:{adminPort}"));
        Assert.Equal(HttpStatusCode.NotFound, await GetAsync(http, publicPort, "/Admin/v1/tenants"));
        Assert.Equal(HttpStatusCode.NotFound, await GetAsync(http, publicPort, "/openapi/admin.json"));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(http, publicPort, "/api/v1/tenant"));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(http, adminPort, "/admin/v1/tenants"));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(http, adminPort, "/openapi/admin.json"));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(http, adminPort, "/health"));
        Assert.Equal(HttpStatusCode.NotFound, await GetAsync(http, adminPort, "/api/v1/tenant", host: $"127.0.0.1:{publicPort}"));
        Assert.Equal(HttpStatusCode.NotFound, await GetAsync(http, adminPort, "/openapi/v1.json"));
    }

    [Fact]
    public async Task WithoutAnAdminPortEverythingAnswersAsBefore()
    {
        int publicPort = FreePorts.Next(), otherPort = FreePorts.Next();
        await using var app = await StartAsync(publicPort, otherPort, configured: false);
        using var http = new HttpClient();

        Assert.Equal(HttpStatusCode.OK, await GetAsync(http, publicPort, "/admin/v1/tenants"));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(http, publicPort, "/openapi/admin.json"));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(http, otherPort, "/api/v1/tenant"));
    }

    private static async Task<WebApplication> StartAsync(int publicPort, int adminPort, bool configured)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseUrls($"http://127.0.0.1:{publicPort}", $"http://127.0.0.1:{adminPort}");
        builder.Services.Configure<AdminOptions>(o => o.Port = configured ? adminPort : null);
        var app = builder.Build();
        app.UseMiddleware<AdminListener>();
        foreach (string path in new[] { "/admin/v1/tenants", "/openapi/{document}.json", "/api/v1/tenant", "/health" })
        {
            app.MapGet(path, () => Results.Ok());
        }
        await app.StartAsync();
        return app;
    }

    private static async Task<HttpStatusCode> GetAsync(HttpClient http, int port, string path, string? host = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}{path}");
        if (host is not null)
        {
            request.Headers.Host = host;
        }
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

}
