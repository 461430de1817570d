namespace Voice.Core.Webhooks;

public sealed record WebhookInfo(Guid Id, string Url, IReadOnlyList<string> Events, string? Description, DateTimeOffset CreatedAt, DateTimeOffset? DisabledAt);

public sealed record DeliveryInfo(
    Guid Id, Guid? WebhookId, Guid TaskId, string Event, string Url, string Status, int Attempts,
    DateTimeOffset NextAttemptAt, int? LastStatusCode, string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? DeliveredAt);

/// <summary>A delivery ready to send: where, what, and the secret that signs it.</summary>
public sealed record PendingDelivery(Guid Id, Guid TenantId, string Event, string Url, string Payload, byte[] Secret, int Attempts, DateTimeOffset CreatedAt,
    string? TraceParent = null);

/// <summary>A delivery to put on the schedule once its transaction has committed.</summary>
public sealed record ScheduledDelivery(Guid TenantId, Guid DeliveryId, DateTimeOffset Due);

public static class DeliveryStatus
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string Failed = "failed";
}
