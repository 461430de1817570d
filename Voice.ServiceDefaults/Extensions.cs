using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every Voice service shares: OpenTelemetry (traces, metrics, logs over OTLP), health checks,
/// service discovery and resilient HTTP clients. Each service calls <c>AddServiceDefaults()</c> once.
/// </summary>
public static class Extensions
{
    public const string HealthEndpointPath = "/health";
    public const string MetricsEndpointPath = "/metrics";
    public const string AlivenessEndpointPath = "/alive";

    /// <summary>Traces and metrics of every Voice component share this prefix, so one wildcard subscribes to all.</summary>
    public const string TelemetryPrefix = "Voice.";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            // Never retry POST/PATCH/DELETE blindly: a retried submit would queue (and bill) a job twice.
            http.AddStandardResilienceHandler(options => options.Retry.DisableForUnsafeHttpMethods());
            http.AddServiceDiscovery();
        });
        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var telemetry = TelemetryOptions.From(builder.Configuration);
        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics =>
            {
                metrics
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddMeter(TelemetryPrefix + "*");
                if (telemetry.Prometheus)
                {
                    metrics.AddPrometheusExporter(); // scraped at /metrics (MapDefaultEndpoints)
                }
            })
            .WithTracing(tracing =>
            {
                tracing
                    .AddSource(builder.Environment.ApplicationName)
                    .AddSource(TelemetryPrefix + "*")
                    .AddAspNetCoreInstrumentation(options =>
                        // Probes run every few seconds; tracing them would bury real requests.
                        options.Filter = context =>
                            !context.Request.Path.StartsWithSegments(HealthEndpointPath)
                            && !context.Request.Path.StartsWithSegments(AlivenessEndpointPath)
                            && !context.Request.Path.StartsWithSegments(MetricsEndpointPath))
                    .AddHttpClientInstrumentation();
                // Every trace unless Telemetry:TraceSampleRatio (0–1) says what share to keep, as busy deployments do
                // (or OTEL_TRACES_SAMPLER, the SDK's own setting). A local parent's decision is kept; a remote one
                // (a caller's traceparent, the queue's) is decided again by the same trace-id ratio — so our own
                // hops agree with each other, and an outside client can neither force its requests into the traces
                // (…-01) nor hide them (…-00).
                if (telemetry.TraceSampleRatio is { } ratio)
                {
                    var byTraceId = new TraceIdRatioBasedSampler(ratio);
                    tracing.SetSampler(new ParentBasedSampler(byTraceId, remoteParentSampled: byTraceId, remoteParentNotSampled: byTraceId));
                }
            });

        // Telemetry:OtlpEndpoint names a collector explicitly (OTLP over HTTP/protobuf), overriding what the
        // AppHost's dashboard would get; otherwise the standard OTEL_EXPORTER_OTLP_* variables decide.
        if (telemetry.OtlpEndpoint is { Length: > 0 } collector)
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter(OpenTelemetry.Exporter.OtlpExportProtocol.HttpProtobuf, new Uri(collector));
            if (telemetry.ExportDelayMs is { } delay)
            {
                builder.Services.Configure<BatchExportActivityProcessorOptions>(options => options.ScheduledDelayMilliseconds = delay);
            }
        }
        else if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), ["live"]);
        return builder;
    }

    /// <summary>
    /// <c>/health</c>: ready (every check passes); <c>/alive</c>: live (the process answers).
    /// Both are mapped in every environment because Kubernetes probes need them; they reveal only status words.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        // Prometheus scraping (Telemetry:Prometheus): off unless enabled. With Telemetry:MetricsPort it answers only
        // on that port (which Kestrel must also listen on): the Kubernetes manifests open it to the monitoring
        // namespace and keep it out of the Service, so the ingress never reaches /metrics.
        var telemetry = TelemetryOptions.From(app.Configuration);
        if (telemetry.Prometheus)
        {
            // The port the request arrived on, not the Host header (which any client can set to the metrics port).
            int? port = telemetry.MetricsPort;
            app.UseOpenTelemetryPrometheusScrapingEndpoint(context =>
                context.Request.Path == MetricsEndpointPath && (port is null || context.Connection.LocalPort == port));
        }
        app.MapHealthChecks(HealthEndpointPath);
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains("live"),
        });
        return app;
    }
}
