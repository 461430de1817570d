using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Trace;
using Voice.Core.Storage;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Registers a <see cref="BlobServiceClient"/> from the <c>ConnectionStrings:{name}</c> that the AppHost
/// injects, with a health check and tracing — what Aspire.Azure.Storage.Blobs would do (it is not served here).
/// </summary>
public static class StorageRegistration
{
    /// <summary>Encrypted blob storage for references and results, and the retention that deletes expired results.</summary>
    public static IHostApplicationBuilder AddVoiceStorage(this IHostApplicationBuilder builder)
    {
        builder.AddBlobServiceClient(Voice.Core.Hosting.ConnectionNames.Blobs);
        builder.Services.AddSingleton<ResultRetention>();
        return builder;
    }

    public static IHostApplicationBuilder AddBlobServiceClient(this IHostApplicationBuilder builder, string connectionName)
    {
        string connectionString = builder.Configuration.GetConnectionString(connectionName)
            ?? throw new InvalidOperationException(
                $"ConnectionStrings:{connectionName} is missing: reference the '{connectionName}' resource from the AppHost or configure it.");

        builder.Services.AddSingleton(_ => new BlobServiceClient(connectionString, new BlobClientOptions
        {
            Retry = { MaxRetries = 3, NetworkTimeout = TimeSpan.FromSeconds(30) },
        }));
        builder.Services.AddSingleton<BlobStore>();
        builder.Services.AddHealthChecks().AddCheck<BlobServiceHealthCheck>(connectionName, tags: ["ready"]);

        // Azure SDK activities are opt-in.
        AppContext.SetSwitch("Azure.Experimental.EnableActivitySource", true);
        builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddSource("Azure.*"));
        return builder;
    }

    private sealed class BlobServiceHealthCheck(BlobServiceClient client) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await foreach (var _ in client.GetBlobContainersAsync(cancellationToken: cancellationToken).AsPages(pageSizeHint: 1).WithCancellation(cancellationToken))
                {
                    break;
                }
                return HealthCheckResult.Healthy();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return HealthCheckResult.Unhealthy("Blob storage is not reachable.", ex);
            }
        }
    }
}
