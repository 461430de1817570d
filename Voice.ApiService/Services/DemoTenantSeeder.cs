using Voice.Core.Tenancy;

namespace Voice.ApiService.Services;

/// <summary>
/// Development convenience: makes sure the <c>demo</c> tenant exists and accepts the API key the AppHost
/// passes in <c>Bootstrap:DemoApiKey</c>. Without that setting (production) it does nothing.
/// </summary>
public sealed partial class DemoTenantSeeder(IConfiguration configuration, TenantAdministration administration, ILogger<DemoTenantSeeder> logger) : IHostedService
{
    public const string DemoSlug = "demo";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        string? configured = configuration["Bootstrap:DemoApiKey"];
        if (string.IsNullOrWhiteSpace(configured))
        {
            return;
        }
        if (!CredentialToken.TryParse(configured, out var key) || key.Value.Kind != CredentialKind.ApiKey)
        {
            throw new InvalidOperationException("Bootstrap:DemoApiKey is not a valid API key (vk_live_<12 chars>_<32 chars>).");
        }
        var tenantId = await administration.EnsureTenantWithKeyAsync(DemoSlug, "Demo tenant", "pro", key.Value, "demo key", cancellationToken);
        LogSeeded(logger, tenantId, key.Value.Id);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo tenant {TenantId} is ready with key id {KeyId}")]
    private static partial void LogSeeded(ILogger logger, Guid tenantId, string keyId);
}
