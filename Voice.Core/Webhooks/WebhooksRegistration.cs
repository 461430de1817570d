using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Voice.Core.Webhooks;

namespace Microsoft.Extensions.Hosting;

public static class WebhooksRegistration
{
    /// <summary>Tenants' endpoints and delivery log, the delivery schedule, the SSRF guard and the sender.</summary>
    public static IHostApplicationBuilder AddVoiceWebhooks(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<WebhookOptions>(WebhookOptions.Section);
        builder.Services.TryAddSingleton<WebhookStore>();
        builder.Services.TryAddSingleton<WebhookSchedule>();
        builder.Services.TryAddSingleton<WebhookSender>();
        builder.Services.TryAddSingleton(sp => new SsrfGuard(
            [.. sp.GetRequiredService<IOptions<WebhookOptions>>().Value.AllowedPrivateNetworks.Select(System.Net.IPNetwork.Parse)]));
        return builder;
    }
}
