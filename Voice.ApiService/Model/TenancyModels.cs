namespace Voice.ApiService.Model;

public sealed record CreateKeyRequest(string? Name, IReadOnlyList<string>? Scopes, DateTimeOffset? ExpiresAt);

/// <summary>A key as listed: never its secret.</summary>
public sealed record KeyView(
    string Id, string Name, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt);

/// <summary>The creation answer: the only time the key's secret is shown.</summary>
public sealed record CreatedKey(string Key, KeyView Info);

public sealed record KeyList(IReadOnlyList<KeyView> Data);

public sealed record TenantView(Guid Id, string Slug, string Name, string Plan, string Status, DateTimeOffset CreatedAt);

public sealed record TenantList(IReadOnlyList<TenantView> Data, Guid? NextAfter);

public sealed record AuditEventView(long Id, DateTimeOffset OccurredAt, string Actor, string Action, string? Target, System.Text.Json.JsonElement Details,
    long Seq, string Hash);

/// <summary>The audit chain's check: intact or not, how many events, and where it breaks.</summary>
public sealed record AuditVerificationView(bool Intact, long Events, IReadOnlyList<AuditChainBreakView> Breaks);

public sealed record AuditChainBreakView(long Seq, string Problem);

public sealed record AuditList(IReadOnlyList<AuditEventView> Data);

public sealed record SignUpRequest(string? TenantName, string? Slug, string? Email, string? Password);

public sealed record LoginRequest(string? Tenant, string? Email, string? Password);

public sealed record SessionView(string SessionToken, DateTimeOffset ExpiresAt, Guid TenantId, string TenantSlug, Guid UserId, string Role);

public sealed record CreateTenantRequest(string? Slug, string? Name, string? Plan);

public sealed record UpdateTenantRequest(string? Name, string? Plan, string? Status);

public sealed record UsageView(DateTimeOffset From, DateTimeOffset To, long Jobs, long Completed, long Failed, long Characters, double AudioSeconds);

public sealed record CreateWebhookRequest(string? Url, IReadOnlyList<string>? Events, string? Description);

public sealed record UpdateWebhookRequest(string? Url, IReadOnlyList<string>? Events, string? Description, bool? Enabled);

public sealed record WebhookView(Guid Id, string Url, IReadOnlyList<string> Events, string? Description, bool Enabled, DateTimeOffset CreatedAt);

public sealed record CreatedWebhook(string Secret, WebhookView Webhook);

public sealed record WebhookList(IReadOnlyList<WebhookView> Data);

public sealed record DeliveryView(
    Guid Id, Guid TaskId, string Event, string Status, int Attempts, DateTimeOffset NextAttemptAt,
    int? LastStatusCode, string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? DeliveredAt);

public sealed record DeliveryList(IReadOnlyList<DeliveryView> Data);

public sealed record CallbackSecret(string Secret);

public sealed record WebhookTestResult(Guid DeliveryId, bool Delivered, int? StatusCode, string? Error, double DurationMs);

public sealed record PasswordResetRequest(string? Tenant, string? Email);

public sealed record PasswordResetConfirmation(string? Token, string? Password);

public sealed record VerifyEmailRequest(string? Token);

/// <summary>The calling user's address and whether it is verified.</summary>
public sealed record EmailStatusView(string Email, bool Verified, DateTimeOffset? VerifiedAt);

public sealed record InviteRequest(string? Email, string? Role);

public sealed record AcceptInviteRequest(string? Token, string? Password, string? DisplayName);

public sealed record RoleChange(string? Role);

public sealed record TeamMemberView(Guid Id, string Email, string? DisplayName, string Role, DateTimeOffset CreatedAt, DateTimeOffset? LastLoginAt);

public sealed record TeamInviteView(string Id, string Email, string Role, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);

public sealed record TeamView(IReadOnlyList<TeamMemberView> Members, IReadOnlyList<TeamInviteView> Invites);

/// <summary>An invitation just made: its token is in this answer (for a link to pass on by hand) and in the invitation mail.</summary>
public sealed record CreatedInvite(string Token, TeamInviteView Invite);

public sealed record DeleteTenantRequest(string? Confirm);

public sealed record UpdateOwnTenantRequest(string? Name);

public sealed record DeadLetterView(string Id, Guid TaskId, Guid TenantId, int Attempts, string Reason, DateTimeOffset At, string Pool);

public sealed record DeadLetterList(IReadOnlyList<DeadLetterView> Data);

/// <summary>A tenant's data-key versions that still exist, newest first (the newest encrypts new objects).</summary>
public sealed record DataKeyVersions(Guid TenantId, IReadOnlyList<int> Versions);

/// <summary>What a re-encryption pass did: objects looked at and rewritten, old key versions destroyed.</summary>
public sealed record ReencryptionOutcome(Guid TenantId, int Examined, int Reencrypted, int DestroyedVersions);

/// <summary>How many data keys were rewrapped, and under which key-encryption key they now are.</summary>
public sealed record RewrapOutcome(int Rewrapped, string WrappedBy);

/// <summary>How many expired results a retention sweep deleted.</summary>
public sealed record RetentionOutcome(int Deleted);
