using Microsoft.AspNetCore.Http.HttpResults;
using Voice.ApiService.Accounts;
using Voice.ApiService.Model;
using Voice.ApiService.Pools;
using Voice.ApiService.Services;
using Voice.Core.Audit;
using Voice.Core.Billing;
using Voice.Core.Voices;
using Voice.Core.Webhooks;
using Voice.Speech.Engines;

namespace Voice.ApiService.Submissions;

/// <summary>
/// Validates a speech request (the task API's and the OpenAI route's) against the caller's plan, which it loads once
/// for the whole request, and routes it to a pool (<see cref="PoolRouter"/>) whose engine checks the rest: the request
/// ready to submit, or the problem (400 with every field that needs fixing, or 403 for what the plan does not include).
/// </summary>
public sealed partial class SpeechRequests(
    PlanCatalog plans, VoiceStore voices, VoiceProfiles profiles, AuditLog audit, WebhookStore webhooks, SpokenText spokenText, SsrfGuard guard,
    PoolRouter router, SpeechEngineDescriptor engine)
{
    public async Task<(ValidatedSpeech? Speech, ProblemHttpResult? Problem)> ValidateAsync(
        CallerIdentity caller, GenerateRequest request, string? clientAddress, CancellationToken cancellationToken)
    {
        var plan = await plans.GetAsync(caller.Plan, cancellationToken);
        var errors = new Dictionary<string, string[]>();
        var (speech, refusal) = await CheckAsync(caller, plan, request, clientAddress, errors, cancellationToken);
        return errors.Count > 0 ? (null, Problems.ValidationFailed(errors)) : (speech, refusal);
    }

    /// <summary>
    /// Checks one request against a plan already loaded: every field that needs fixing goes into <paramref name="errors"/>
    /// (which must start empty); otherwise the request ready to submit, or the plan's refusal.
    /// </summary>
    public async Task<(ValidatedSpeech? Speech, ProblemHttpResult? Refusal)> CheckAsync(
        CallerIdentity caller, PlanLimits plan, GenerateRequest request, string? clientAddress, Dictionary<string, string[]> errors,
        CancellationToken cancellationToken)
    {
        var (language, languageWarning) = RequestLanguage.Resolve(request.Language, request.Text);
        request = request with { Language = language };
        var voice = await ResolveVoiceAsync(request, caller, errors, cancellationToken);
        var routing = new Dictionary<string, string[]>();
        var (route, refusal) = errors.ContainsKey("voice") || errors.ContainsKey("mode") ? (null, null)
            : router.Route(new RouteRequest(voice.Mode, request.Language ?? voice.Language ?? "en", request.Model, GenerateValidation.WantsWords(request.Timestamps),
                voice.PromptFormat, voice.Inline is CloneSource or DesignSource ? "mode" : "voice"), plan, routing);
        // Without a pool, the other fields are still checked (against the configured engine), so one answer names every problem.
        var fields = GenerateValidation.Check(request, guard, route?.Engine ?? engine, plan, voice.Language, errors);
        foreach (var (field, messages) in routing)
        {
            errors[field] = messages;
        }
        if (request.CallbackUrl is not null && !errors.ContainsKey("callback_url") && !await webhooks.HasCallbackSecretAsync(caller.TenantId, cancellationToken))
        {
            errors["callback_url"] = ["Create a callback signing secret first: POST /api/v1/webhooks/callback-secret."];
        }
        int spoken = errors.ContainsKey("text") ? 0 : await spokenText.CharactersAsync(caller.TenantId, fields.Text, fields.Language, cancellationToken);
        if (SpokenText.Problem(spoken, plan, route?.Engine ?? engine) is { } tooLong)
        {
            errors["text"] = [tooLong];
        }
        if (errors.Count > 0)
        {
            return (null, null);
        }
        if ((refusal ?? PlanRestriction(plan, fields.Format, voice.Inline)) is { } restricted)
        {
            return (null, restricted);
        }
        if (languageWarning is not null)
        {
            fields = fields with { Warnings = [languageWarning, .. fields.Warnings] };
        }
        return (new ValidatedSpeech(plan, voice, fields, request.CallbackUrl, clientAddress, spoken, route!.Pool), null);
    }

    /// <summary>What the plan does not include (besides the engines, which routing checks): the output format, an inline voice's mode.</summary>
    private static ProblemHttpResult? PlanRestriction(PlanLimits plan, string format, VoiceSource? inline)
    {
        if (!plan.Allows(plan.AllowedFormats, format))
        {
            return Admissions.Restricted(plan, "format", format, plan.AllowedFormats);
        }
        string? mode = inline switch { CloneSource => VoiceModes.Clone, DesignSource => VoiceModes.Design, _ => null };
        return mode is not null && !plan.Allows(plan.AllowedModes, mode) ? Admissions.Restricted(plan, "voice mode", mode, plan.AllowedModes) : null;
    }
}
