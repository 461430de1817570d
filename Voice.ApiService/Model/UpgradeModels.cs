using System.Text.Json.Serialization;
using Voice.ApiService.Accounts;
using Voice.Core.Billing;

namespace Voice.ApiService.Model;

public sealed record EmailLoginRequest(string? Email, string? Password);

public sealed record WorkspaceChoiceView(string Slug, string Name, string Role);

/// <summary>The workspaces where the email and password match, and the one-time token that chooses among them (five minutes).</summary>
public sealed record EmailLoginView(string ChoiceToken, DateTimeOffset ExpiresAt, IReadOnlyList<WorkspaceChoiceView> Workspaces);

public sealed record ChooseWorkspaceRequest(string? ChoiceToken, string? Tenant);

public sealed record FindWorkspacesRequest(string? Email);

/// <summary>A plan as the public comparison shows it: allowances and prices. Null monthly quotas are unlimited.</summary>
public sealed record PlanOfferView(string Id, string Name, long? MonthlyCharacters, long? MonthlyAudioSeconds, int MaxConcurrentJobs, int MaxVoices,
    int MaxTextChars, double RatePerSecond, int RetentionDays, [property: JsonPropertyName("price_per_1k_characters")] decimal PricePer1kCharacters,
    decimal PricePerAudioMinute, decimal PricePerVoice, string Currency)
{
    public static PlanOfferView From(PlanLimits p) => new(p.Id, p.Name, p.MonthlyCharacters, p.MonthlyAudioSeconds, p.MaxConcurrentJobs, p.MaxVoices,
        p.MaxTextChars, p.RatePerSecond, p.RetentionDays, p.PricePer1kCharacters, p.PricePerAudioMinute, p.PricePerVoice, p.Currency);
}

public sealed record PlanOfferList(IReadOnlyList<PlanOfferView> Data);

public sealed record UpgradeRequestBody(string? Plan, string? Note);

public sealed record UpgradeRequestView(Guid Id, Guid TenantId, string Plan, string CurrentPlan, string Status, string? Note, string RequestedBy,
    DateTimeOffset CreatedAt, DateTimeOffset? DecidedAt)
{
    public static UpgradeRequestView From(UpgradeRequest r) => new(r.Id, r.TenantId, r.Plan, r.CurrentPlan, r.Status, r.Note, r.RequestedBy, r.CreatedAt, r.DecidedAt);
}

public sealed record UpgradeRequestList(IReadOnlyList<UpgradeRequestView> Data);
