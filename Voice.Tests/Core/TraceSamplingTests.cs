using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;

namespace Voice.Tests.Core;

/// <summary>
/// Telemetry:TraceSampleRatio, through the services' own telemetry set-up (ServiceDefaults): traces are kept by
/// default, none at 0; a caller's traceparent flag does not override the ratio; a local parent's decision is kept.
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

    [Theory]
    [InlineData(ActivityTraceFlags.Recorded)]
    [InlineData(ActivityTraceFlags.None)]
    public void ACallersSamplingFlagNeitherForcesNorHidesATrace(ActivityTraceFlags flags)
    {
        // The decision is the trace id's, whatever the caller's traceparent says: at 0 nothing is kept, at 1 all is.
        foreach (var (ratio, kept) in new[] { ("0", false), ("1", true) })
        {
            var (service, source) = Service(ratio);
            using var _ = service;
            using var __ = source;
            var remote = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), flags, isRemote: true);
            using var request = source.StartActivity("request", ActivityKind.Server, remote);
            Assert.Equal(kept, request?.Recorded ?? false);
        }
    }

    [Fact]
    public void ALocalParentsDecisionIsKept()
    {
        var (service, source) = Service("1");
        using var _ = service;
        using var __ = source;
        var local = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.None, isRemote: false);
        using var child = source.StartActivity("work", ActivityKind.Internal, local);
        Assert.False(child?.Recorded ?? false);
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
