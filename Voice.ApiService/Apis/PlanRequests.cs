using System.Text.RegularExpressions;
using Voice.ApiService.Model;
using Voice.Audio.Encoding;
using Voice.Core.Billing;
using Voice.Speech.Engines;

namespace Voice.ApiService.Apis;

/// <summary>Applies an operator's plan request to a plan, field by field, collecting what is out of range.</summary>
public static partial class PlanRequests
{
    private static readonly string[] Modes = ["clone", "design", "preset"];

    public static PlanLimits Merge(PlanLimits plan, PlanRequest r, Dictionary<string, string[]> errors)
    {
        T Check<T>(string field, T? value, T current, Func<T, bool> valid, string rule) where T : struct
        {
            if (value is { } v && !valid(v))
            {
                errors[field] = [rule];
            }
            return value ?? current;
        }
        IReadOnlyList<string> List(string field, IReadOnlyList<string>? value, IReadOnlyList<string> current, IReadOnlyList<string> known, bool pools = false)
        {
            // Engines may also be named by pool (e.g. only qwen3-base-0.6b): any valid pool name, live or not yet.
            if (value?.FirstOrDefault(v => !known.Contains(v) && !(pools && Voice.Core.Pools.PoolRegistry.IsValidName(v))) is { } unknown)
            {
                errors[field] = [$"Unknown '{unknown}'. Known: {string.Join(", ", known)}{(pools ? " or a pool's name" : "")} (empty allows all)."];
            }
            return value ?? current;
        }
        long? Quota(string field, long? value, bool? unlimited, long? current)
        {
            if (value is < 0)
            {
                errors[field] = ["0 or more (or unlimited)."];
            }
            return unlimited == true ? null : value ?? current;
        }
        if (r.Name is { } name && name.Trim().Length is 0 or > 100)
        {
            errors["name"] = ["1–100 characters."];
        }
        if (r.Currency is { } currency && !CurrencyCode().IsMatch(currency))
        {
            errors["currency"] = ["An ISO 4217 code such as USD."];
        }
        return plan with
        {
            Name = r.Name?.Trim() ?? plan.Name,
            QueueWeight = Check("queue_weight", r.QueueWeight, plan.QueueWeight, v => v is >= 1 and <= 100, "1–100."),
            MaxVoices = Check("max_voices", r.MaxVoices, plan.MaxVoices, v => v >= 0, "0 or more."),
            MaxTextChars = Check("max_text_chars", r.MaxTextChars, plan.MaxTextChars, v => v is >= 1 and <= 1_000_000, "1–1,000,000."),
            RatePerSecond = Check("rate_per_second", r.RatePerSecond, plan.RatePerSecond, v => v is > 0 and <= 100_000, "Above 0, at most 100,000."),
            RateBurst = Check("rate_burst", r.RateBurst, plan.RateBurst, v => v >= 1, "1 or more."),
            KeyRatePerSecond = Check("key_rate_per_second", r.KeyRatePerSecond, plan.KeyRatePerSecond, v => v is > 0 and <= 100_000, "Above 0, at most 100,000."),
            KeyRateBurst = Check("key_rate_burst", r.KeyRateBurst, plan.KeyRateBurst, v => v >= 1, "1 or more."),
            MonthlyCharacters = Quota("monthly_characters", r.MonthlyCharacters, r.UnlimitedCharacters, plan.MonthlyCharacters),
            MonthlyAudioSeconds = Quota("monthly_audio_seconds", r.MonthlyAudioSeconds, r.UnlimitedAudio, plan.MonthlyAudioSeconds),
            MaxConcurrentJobs = Check("max_concurrent_jobs", r.MaxConcurrentJobs, plan.MaxConcurrentJobs, v => v >= 1, "1 or more."),
            MaxUploadBytes = Check("max_upload_bytes", r.MaxUploadBytes, plan.MaxUploadBytes, v => v is >= 1024 and <= 10 * 1024 * 1024, "1 KiB–10 MiB."),
            AllowedEngines = List("allowed_engines", r.AllowedEngines, plan.AllowedEngines, SpeechEngines.Names, pools: true),
            AllowedModes = List("allowed_modes", r.AllowedModes, plan.AllowedModes, Modes),
            AllowedFormats = List("allowed_formats", r.AllowedFormats, plan.AllowedFormats, AudioFormats.All),
            RetentionDays = Check("retention_days", r.RetentionDays, plan.RetentionDays, v => v >= 1, "1 or more."),
            PricePer1kCharacters = Check("price_per_1k_characters", r.PricePer1kCharacters, plan.PricePer1kCharacters, v => v is >= 0 and < 1_000_000, "0 or more."),
            PricePerAudioMinute = Check("price_per_audio_minute", r.PricePerAudioMinute, plan.PricePerAudioMinute, v => v is >= 0 and < 1_000_000, "0 or more."),
            PricePerVoice = Check("price_per_voice", r.PricePerVoice, plan.PricePerVoice, v => v is >= 0 and < 1_000_000, "0 or more."),
            Currency = r.Currency ?? plan.Currency,
        };
    }

    [GeneratedRegex("^[A-Z]{3}$")]
    private static partial Regex CurrencyCode();
}
