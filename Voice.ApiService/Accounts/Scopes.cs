namespace Voice.ApiService.Accounts;

/// <summary>What a credential may do. API keys carry a chosen subset; portal sessions get their user's role's.</summary>
public static class Scopes
{
    public const string SpeechWrite = "speech:write";
    public const string VoicesWrite = "voices:write";
    public const string UsageRead = "usage:read";
    public const string KeysAdmin = "keys:admin";
    public const string WebhooksAdmin = "webhooks:admin";

    public static readonly IReadOnlyList<string> All = [SpeechWrite, VoicesWrite, UsageRead, KeysAdmin, WebhooksAdmin];

    public static bool IsKnown(string scope) => All.Contains(scope, StringComparer.Ordinal);

    /// <summary>Owners and admins manage keys; members use the product.</summary>
    public static IReadOnlyList<string> ForRole(string role) => role switch
    {
        UserRoles.Owner or UserRoles.Admin => All,
        _ => [SpeechWrite, VoicesWrite, UsageRead],
    };
}

public static class UserRoles
{
    public const string Owner = "owner";
    public const string Admin = "admin";
    public const string Member = "member";
}

public static class TenantStatus
{
    public const string Active = "active";
    public const string Suspended = "suspended";
}
