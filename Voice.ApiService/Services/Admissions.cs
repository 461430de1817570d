using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Voice.ApiService.Model;
using Voice.ApiService.Submissions;
using Voice.Core.Billing;
using Voice.Core.Jobs;

namespace Voice.ApiService.Services;

/// <summary>Turns a plan into a submission's admission limits, and a refusal into the answer a client can act on.</summary>
public static class Admissions
{
    public static JobAdmission For(PlanLimits plan, TimeProvider clock) =>
        new(JobAdmission.PeriodOf(clock.GetUtcNow()), plan.MaxConcurrentJobs, plan.MonthlyCharacters, plan.MonthlyAudioSeconds);

    /// <summary>
    /// 429 problem+json: <c>quota-exceeded</c> (with the reset time; <c>Retry-After</c> until then) or
    /// <c>concurrency-limit</c> (retry once a job finishes).
    /// </summary>
    public static SubmissionOutcome.Problem Refused(AdmissionRefusal refusal, PlanLimits plan, TimeProvider clock)
    {
        ApiMetrics.AdmissionsRefused.Add(1, new("reason", refusal.ToString().ToLowerInvariant()), new("plan", plan.Id));
        if (refusal == AdmissionRefusal.Concurrency)
        {
            return new(Problems.Create(StatusCodes.Status429TooManyRequests, Problems.ConcurrencyLimit, "Too many jobs in progress.",
                $"The '{plan.Id}' plan allows {plan.MaxConcurrentJobs} queued or running jobs at a time; submit again when one finishes.",
                new Dictionary<string, object?> { ["limit"] = plan.MaxConcurrentJobs }), RetryAfter: "1");
        }
        var now = clock.GetUtcNow();
        var resetsAt = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);
        var (what, limit) = refusal == AdmissionRefusal.Characters
            ? ("characters", plan.MonthlyCharacters)
            : ("audio seconds", plan.MonthlyAudioSeconds);
        return new(Problems.Create(StatusCodes.Status429TooManyRequests, Problems.QuotaExceeded, "The monthly quota is used up.",
            $"This request would exceed the '{plan.Id}' plan's {limit} {what} this month (counting jobs in progress); the quota resets at {resetsAt:yyyy-MM-dd HH:mm} UTC.",
            new Dictionary<string, object?> { ["quota"] = what.Replace(' ', '_'), ["limit"] = limit, ["resets_at"] = resetsAt }),
            RetryAfter: ((long)Math.Ceiling((resetsAt - now).TotalSeconds)).ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>403 problem+json: the plan does not include this format, engine or voice mode.</summary>
    public static ProblemHttpResult Restricted(PlanLimits plan, string what, string value, IReadOnlyList<string> allowed) =>
        Problems.Create(StatusCodes.Status403Forbidden, Problems.PlanRestriction, $"The plan does not include this {what}.",
            $"The '{plan.Id}' plan allows the {what}s {string.Join(", ", allowed)}; '{value}' needs another plan.",
            new Dictionary<string, object?> { [what.Replace(' ', '_')] = value, ["allowed"] = allowed });
}
