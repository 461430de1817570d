using System.Text.Json.Serialization;
using Voice.Core.Billing;

namespace Voice.ApiService.Model;

/// <summary>A plan as the operator sees and edits it. Null monthly quotas are unlimited; empty allow-lists allow all.</summary>
public sealed record PlanView(
    string Id,
    string Name,
    int QueueWeight,
    int MaxVoices,
    int MaxTextChars,
    double RatePerSecond,
    int RateBurst,
    double KeyRatePerSecond,
    int KeyRateBurst,
    long? MonthlyCharacters,
    long? MonthlyAudioSeconds,
    int MaxConcurrentJobs,
    int MaxUploadBytes,
    IReadOnlyList<string> AllowedEngines,
    IReadOnlyList<string> AllowedModes,
    IReadOnlyList<string> AllowedFormats,
    int RetentionDays,
    [property: JsonPropertyName("price_per_1k_characters")] decimal PricePer1kCharacters,
    decimal PricePerAudioMinute,
    decimal PricePerVoice,
    string Currency)
{
    public static PlanView From(PlanLimits p) => new(p.Id, p.Name, p.QueueWeight, p.MaxVoices, p.MaxTextChars, p.RatePerSecond, p.RateBurst,
        p.KeyRatePerSecond, p.KeyRateBurst, p.MonthlyCharacters, p.MonthlyAudioSeconds, p.MaxConcurrentJobs, p.MaxUploadBytes, p.AllowedEngines,
        p.AllowedModes, p.AllowedFormats, p.RetentionDays, p.PricePer1kCharacters, p.PricePerAudioMinute, p.PricePerVoice, p.Currency);
}

/// <summary>
/// <c>POST /admin/v1/plans</c> (missing fields take the smallest allowances) and <c>PATCH /admin/v1/plans/{id}</c>
/// (missing fields stay). <c>unlimited_characters</c>/<c>unlimited_audio</c> set a monthly quota to unlimited.
/// </summary>
public sealed record PlanRequest(
    string? Id,
    string? Name,
    int? QueueWeight,
    int? MaxVoices,
    int? MaxTextChars,
    double? RatePerSecond,
    int? RateBurst,
    double? KeyRatePerSecond,
    int? KeyRateBurst,
    long? MonthlyCharacters,
    long? MonthlyAudioSeconds,
    bool? UnlimitedCharacters,
    bool? UnlimitedAudio,
    int? MaxConcurrentJobs,
    int? MaxUploadBytes,
    IReadOnlyList<string>? AllowedEngines,
    IReadOnlyList<string>? AllowedModes,
    IReadOnlyList<string>? AllowedFormats,
    int? RetentionDays,
    [property: JsonPropertyName("price_per_1k_characters")] decimal? PricePer1kCharacters,
    decimal? PricePerAudioMinute,
    decimal? PricePerVoice,
    string? Currency);

public sealed record PlanList(IReadOnlyList<PlanView> Data);

public sealed record UsageSeries(DateTimeOffset From, DateTimeOffset To, string Granularity, IReadOnlyList<UsageBucket> Data, UsageBucketTotals Totals);

public sealed record UsageBucketTotals(long Jobs, long Characters, double AudioSeconds, long Voices, decimal Cost, string Currency);

/// <summary>A page of usage records; <c>next_after</c> is the <c>after</c> cursor of the next page (null on the last).</summary>
public sealed record UsageRecordList(IReadOnlyList<UsageRecordView> Data, long? NextAfter);

public sealed record UsageRecordView(
    long Id, DateTimeOffset RecordedAt, string Kind, Guid? JobId, Guid? VoiceId, long Characters, double AudioSeconds, string Engine, int ComputeMs,
    string? Plan, [property: JsonPropertyName("price_per_1k_characters")] decimal PricePer1kCharacters, decimal PricePerAudioMinute,
    decimal PricePerVoice, decimal Cost, string Currency)
{
    public static UsageRecordView From(UsageRecord r) => new(r.Id, r.RecordedAt, r.Kind, r.JobId, r.VoiceId, r.Characters, r.AudioSeconds, r.Engine,
        r.ComputeMs, r.Plan, r.PricePer1kCharacters, r.PricePerAudioMinute, r.PricePerVoice, r.Cost, r.Currency);
}

public sealed record AdminUsageList(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<AdminUsageRow> Data);

public sealed record AdminUsageRow(Guid TenantId, string Slug, string Plan, long Jobs, long Characters, double AudioSeconds, long Voices, decimal Cost, string Currency);
