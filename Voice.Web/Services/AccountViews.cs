using System.Text.Json.Serialization;

namespace Voice.Web.Services;

// What the portal reads from the API for logging in by email, the plan comparison and upgrade requests.

public sealed record WorkspaceChoiceView(string Slug, string Name, string Role);

/// <summary>The workspaces where the email and password match, and the one-time token that chooses among them.</summary>
public sealed record EmailLoginView(string ChoiceToken, DateTimeOffset ExpiresAt, WorkspaceChoiceView[] Workspaces);

/// <summary>A plan on offer: allowances and prices (null monthly quotas are unlimited).</summary>
public sealed record PlanOfferView(string Id, string Name, long? MonthlyCharacters, long? MonthlyAudioSeconds, int MaxConcurrentJobs, int MaxVoices,
    int MaxTextChars, double RatePerSecond, int RetentionDays, [property: JsonPropertyName("price_per_1k_characters")] decimal PricePer1kCharacters,
    decimal PricePerAudioMinute, decimal PricePerVoice, string Currency);

public sealed record PlanOfferList(PlanOfferView[] Data);

/// <summary>The workspace's latest request for another plan: pending, approved or declined.</summary>
public sealed record UpgradeRequestView(Guid Id, string Plan, string CurrentPlan, string Status, string? Note, DateTimeOffset CreatedAt, DateTimeOffset? DecidedAt);

/// <summary>What the plan comparison shows: the plans on offer, the workspace's plan, its latest request, and whether this user may ask.</summary>
public sealed record PlanComparison(PlanOfferView[] Plans, string? CurrentPlan, UpgradeRequestView? Request, bool CanRequest);
