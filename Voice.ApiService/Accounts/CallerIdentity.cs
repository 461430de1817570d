namespace Voice.ApiService.Accounts;

/// <summary>Who is calling, as established from a credential — never from a header alone.</summary>
public sealed record CallerIdentity(
    Guid TenantId,
    string TenantSlug,
    CredentialKind Kind,
    string CredentialId,
    Guid? UserId,
    IReadOnlyList<string> Scopes,
    string Plan)
{
    /// <summary>How the caller appears in the audit log: <c>key:&lt;id&gt;</c> or <c>user:&lt;id&gt;</c>.</summary>
    public string Actor => Kind == CredentialKind.ApiKey ? $"key:{CredentialId}" : $"user:{UserId}";
}

public enum CredentialCheck
{
    Valid,
    Unknown,
    Revoked,
    Expired,
    TenantSuspended,
}
