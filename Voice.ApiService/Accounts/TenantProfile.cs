namespace Voice.ApiService.Accounts;

public sealed record TenantProfile(Guid Id, string Slug, string Name, string Plan, string Status, DateTimeOffset CreatedAt);

/// <summary>A portal login: the session token (shown to the portal once) and who it belongs to.</summary>
public sealed record PortalSession(CredentialToken Token, DateTimeOffset ExpiresAt, Guid TenantId, string TenantSlug, Guid UserId, string Role);

public enum SignUpResult
{
    Created,
    SlugTaken,
}

public enum LoginResult
{
    LoggedIn,
    InvalidCredentials,
    TenantSuspended,
}

/// <summary>Usage of one tenant over a period, from the jobs ledger.</summary>
public sealed record UsageSummary(DateTimeOffset From, DateTimeOffset To, long Jobs, long Completed, long Failed, long Characters, double AudioSeconds);
