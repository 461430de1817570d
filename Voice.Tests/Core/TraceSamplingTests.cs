using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;

namespace Voice.Tests.Core;

/// <summary>
/// Telemetry:TraceSampleRatio, through the services' own telemetry set-up (ServiceDefaults): traces are kept by
/// default, none at 0; and a trace that arrives sampled stays sampled whatever the ratio (parent-based).
/// </summary>
public sealed class TraceSamplingTests
{
    [Theory]
    [InlineData(null, true)]
    [InlineData("1", true)]
    [InlineData("0", false)]
    public void NewTracesAreKeptAsTheRatioSays(string? ratio, bool kept)
    {
        var (service, source) = Service(ratio);
        using var _ = service;
        using var __ = source;
        using var root = source.StartActivity("request");
        Assert.Equal(kept, root?.Recorded ?? false);
    }

    [Fact]
    public void ATraceThatArrivesSampledStaysSampledAtRatioZero()
    {
        var (service, source) = Service("0");
        using var _ = service;
        using var __ = source;
        var sampledParent = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: true);
        using var child = source.StartActivity("request", ActivityKind.Server, sampledParent);
        Assert.True(child?.Recorded);
    }

    /// <summary>
    /// A service's telemetry with its own application name as the traced source: other hosts in this test process
    /// (which listen to their own names and Voice.*) never see or sample it.
    /// </summary>
    private static (IHost Service, ActivitySource Source) Service(string? ratio)
    {
        string name = "sampling-test-" + Guid.NewGuid().ToString("N");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = name });
        if (ratio is not null)
        {
            builder.Configuration["Telemetry:TraceSampleRatio"] = ratio;
        }
        builder.ConfigureOpenTelemetry();
        var host = builder.Build();
        host.Services.GetRequiredService<TracerProvider>();
        return (host, new ActivitySource(name));
    }
}
