using Microsoft.Extensions.Options;
using Voice.ApiService.Accounts;

namespace Voice.ApiService.Services;

/// <summary>
/// Development convenience: makes sure the <c>demo</c> tenant exists and accepts the API key the AppHost
/// passes in <c>Bootstrap:DemoApiKey</c>. Without that setting (production) it does nothing.
/// </summary>
public sealed partial class DemoTenantSeeder(IOptions<BootstrapOptions> options, TenantAdministration administration, ILogger<DemoTenantSeeder> logger) : IHostedService
{
    public const string DemoSlug = "demo";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        string? configured = options.Value.DemoApiKey;
        if (string.IsNullOrWhiteSpace(configured))
        {
            return;
        }
        CredentialToken.TryParse(configured, out var parsed); // BootstrapOptions has checked it is an API key
        var key = parsed!.Value;
        var tenantId = await administration.EnsureTenantWithKeyAsync(DemoSlug, "Demo tenant", "pro", key, "demo key", cancellationToken);
        LogSeeded(logger, tenantId, key.Id);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo tenant {TenantId} is ready with key id {KeyId}")]
    private static partial void LogSeeded(ILogger logger, Guid tenantId, string keyId);
}
