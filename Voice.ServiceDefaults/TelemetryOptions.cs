using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Configuration section <c>Telemetry</c>. Read once while the host is built (the exporters are set up then), and
/// checked at that moment: a wrong value stops start-up instead of silently changing what is exported.
/// </summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>The share of traces to keep (0–1); every trace when unset.</summary>
    [Range(0.0, 1.0)]
    public double? TraceSampleRatio { get; set; }

    /// <summary>A collector (OTLP over HTTP/protobuf) that overrides the standard <c>OTEL_EXPORTER_OTLP_*</c> variables.</summary>
    [Url]
    public string? OtlpEndpoint { get; set; }

    /// <summary>How often batched spans are exported to <see cref="OtlpEndpoint"/> (the SDK default is 5 s).</summary>
    [Range(1, 60_000)]
    public int? ExportDelayMs { get; set; }

    /// <summary>Serve <c>/metrics</c> for Prometheus.</summary>
    public bool Prometheus { get; set; }

    /// <summary>With <see cref="Prometheus"/>: answer <c>/metrics</c> only on this port (kept out of the Service).</summary>
    [Range(1, 65_535)]
    public int? MetricsPort { get; set; }

    public static TelemetryOptions From(IConfiguration configuration)
    {
        var options = configuration.GetSection(Section).Get<TelemetryOptions>() ?? new();
        var errors = new List<ValidationResult>();
        if (!Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true))
        {
            throw new InvalidOperationException($"{Section}: " + string.Join(" ", errors.Select(e => e.ErrorMessage)));
        }
        return options;
    }
}
