using Voice.Core.Audit;
using Voice.Core.Webhooks;

namespace Voice.ApiService.Model;

/// <summary>What sending a test event needs.</summary>
public sealed class WebhookTestServices(WebhookStore store, WebhookSender sender, AuditLog audit, TimeProvider clock)
{
    public WebhookStore Store { get; } = store;

    public WebhookSender Sender { get; } = sender;

    public AuditLog Audit { get; } = audit;

    public TimeProvider Clock { get; } = clock;
}
