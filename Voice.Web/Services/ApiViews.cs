using System.Text.Json;
using System.Text.Json.Serialization;

namespace Voice.Web.Services;

// What the portal reads from and sends to the API (only the fields its pages use); VoiceApiClient moves them.

/// <summary>A speech request; <c>Model</c> pins a live model (null: the API routes by the voice).</summary>
public sealed record GenerateInput(string Text, string Language, string Voice, string Format, float Speed = 1, string? Model = null);

public sealed record Accepted(Guid TaskId, string Status);

public sealed record ProblemBody(string? Type, string? Title, string? Detail, Dictionary<string, string[]>? Errors)
{
    /// <summary>What to tell the person: the fields' messages for a validation problem, else the title and its detail.</summary>
    // The API says "tenant" where the portal says "workspace": one word for one thing on every page.
    public string Message => (Errors is { Count: > 0 } errors
        ? string.Join(" ", errors.SelectMany(e => e.Value))
        : string.Join(" ", new[] { Title, Detail }.Where(t => !string.IsNullOrWhiteSpace(t))))
        .Replace("tenant slug", "workspace id", StringComparison.Ordinal).Replace("tenant", "workspace", StringComparison.Ordinal)
        .Replace("Tenant", "Workspace", StringComparison.Ordinal);
}

public sealed record TaskResultView(string Format, string ContentType, int SampleRate, double DurationSeconds, long Bytes, string? Engine, string? Model);

public sealed record TaskView(Guid TaskId, string Status, string? ResultUrl, ProblemBody? Error, DateTimeOffset CreatedAt = default, DateTimeOffset? StartedAt = null,
    DateTimeOffset? FinishedAt = null, int Attempts = 0, long? QueuePosition = null, double? Progress = null, bool CancelRequested = false,
    TaskRequestView? Request = null, TaskResultView? Result = null, DateTimeOffset? ResultDeletedAt = null);

/// <summary>A preset or one of the tenant's voice profiles (only what the portal shows).</summary>
public sealed record VoiceView(string Id, string Name, string Mode, string Status, string? Description, string? Language = null, string? Fidelity = null,
    JsonElement? Quality = null, string[]? Notes = null);

public sealed record VoiceListView(VoiceView[] Presets, VoiceView[] Voices);

/// <summary>A live model (one pool): its id names it in a request; what it makes and speaks decides what the portal offers.</summary>
public sealed record ModelView(string Id, string Engine, string Model, string[] Modes, string[] Languages);

public sealed record ModelList(ModelView[] Models);

public sealed record SessionView(string SessionToken, DateTimeOffset ExpiresAt, Guid TenantId, string TenantSlug, Guid UserId, string Role);

/// <summary>The signed-in user's address and whether they have verified it.</summary>
public sealed record EmailStatusView(string Email, bool Verified, DateTimeOffset? VerifiedAt);

public sealed record TenantView(Guid Id, string Slug, string Name, string Plan, string Status);

/// <summary>An API key as listed (never its secret).</summary>
public sealed record KeyView(string Id, string Name, string[] Scopes, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt);

public sealed record KeyList(KeyView[] Data);

/// <summary>A new key: the secret, shown once.</summary>
public sealed record CreatedKey(string Key, KeyView Info);

public sealed record TaskRequestView(string Kind, string Language, string Voice, string Format, int Characters, float Speed = 1);

/// <summary>A task in the jobs list.</summary>
public sealed record TaskSummaryView(Guid TaskId, string Status, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt, TaskRequestView Request);

public sealed record TaskListView(TaskSummaryView[] Data, Guid? NextBefore);

public sealed record WebhookView(Guid Id, string Url, string[] Events, string? Description, bool Enabled, DateTimeOffset CreatedAt);

public sealed record WebhookList(WebhookView[] Data);

public sealed record CreatedWebhook(string Secret, WebhookView Webhook);

public sealed record DeliveryView(Guid Id, Guid TaskId, string Event, string Status, int Attempts, DateTimeOffset NextAttemptAt, int? LastStatusCode,
    string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? DeliveredAt);

public sealed record DeliveryList(DeliveryView[] Data);

public sealed record UsageBucketView(DateTimeOffset Start, long Jobs, long Characters, double AudioSeconds, long Voices, decimal Cost, string Currency);

public sealed record UsageTotalsView(long Jobs, long Characters, double AudioSeconds, long Voices, decimal Cost, string Currency);

public sealed record UsageSeriesView(DateTimeOffset From, DateTimeOffset To, string Granularity, UsageBucketView[] Data, UsageTotalsView Totals);

public sealed record QuotaView(DateOnly Period, long UsedCharacters, long ReservedCharacters, long? MonthlyCharacters, double UsedAudioSeconds,
    double ReservedAudioSeconds, long? MonthlyAudioSeconds, int ActiveJobs, int MaxConcurrentJobs, DateTimeOffset ResetsAt);

public sealed record WebhookTestView(Guid DeliveryId, bool Delivered, int? StatusCode, string? Error, double DurationMs);

public sealed record TeamMemberView(Guid Id, string Email, string? DisplayName, string Role, DateTimeOffset CreatedAt, DateTimeOffset? LastLoginAt);

public sealed record TeamInviteView(string Id, string Email, string Role, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);

public sealed record TeamView(TeamMemberView[] Members, TeamInviteView[] Invites);

public sealed record CreatedInvite(string Token, TeamInviteView Invite);

/// <summary>The tenant's plan, as much of it as the settings page shows.</summary>
public sealed record PlanView(string Id, string Name, int MaxVoices, int MaxTextChars, double RatePerSecond, long? MonthlyCharacters, long? MonthlyAudioSeconds,
    int MaxConcurrentJobs, int RetentionDays, [property: JsonPropertyName("price_per_1k_characters")] decimal PricePer1kCharacters, decimal PricePerAudioMinute,
    string Currency);
