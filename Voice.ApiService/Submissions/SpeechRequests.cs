using Microsoft.AspNetCore.Http.HttpResults;
using Voice.ApiService.Accounts;
using Voice.ApiService.Model;
using Voice.ApiService.Services;
using Voice.Core.Audit;
using Voice.Core.Billing;
using Voice.Core.Jobs;
using Voice.Core.Lexicons;
using Voice.Core.Voices;
using Voice.Core.Webhooks;
using Voice.Speech.Engines;

namespace Voice.ApiService.Submissions;

/// <summary>
/// Validates a speech request (the task API's and the OpenAI route's) against the engine and the caller's plan,
/// which it loads once for the whole request: the request ready to submit, or the problem (400 with every field
/// that needs fixing, or 403 for what the plan does not include).
/// </summary>
public sealed partial class SpeechRequests(
    PlanCatalog plans, VoiceStore voices, VoiceProfiles profiles, AuditLog audit, WebhookStore webhooks, LexiconStore lexicons, SsrfGuard guard,
    SpeechEngineDescriptor engine)
{
    public async Task<(ValidatedSpeech? Speech, ProblemHttpResult? Problem)> ValidateAsync(
        CallerIdentity caller, GenerateRequest request, string? clientAddress, CancellationToken cancellationToken)
    {
        var plan = await plans.GetAsync(caller.Plan, cancellationToken);
        var errors = new Dictionary<string, string[]>();
        var voice = await ResolveVoiceAsync(request, caller, errors, cancellationToken);
        var fields = GenerateValidation.Check(request, guard, engine, plan, voice.Language, errors);
        if (request.CallbackUrl is not null && !errors.ContainsKey("callback_url") && !await webhooks.HasCallbackSecretAsync(caller.TenantId, cancellationToken))
        {
            errors["callback_url"] = ["Create a callback signing secret first: POST /api/v1/webhooks/callback-secret."];
        }
        int spoken = errors.ContainsKey("text") ? 0 : await SpokenCharactersAsync(caller, fields, plan, errors, cancellationToken);
        if (errors.Count > 0)
        {
            return (null, Problems.ValidationFailed(errors));
        }
        if (PlanRestriction(plan, fields.Format, voice.Inline) is { } restricted)
        {
            return (null, restricted);
        }
        return (new ValidatedSpeech(plan, voice, fields, request.CallbackUrl, clientAddress, spoken), null);
    }

    /// <summary>
    /// The text as the tenant's pronunciation rules will make it is what is spoken, so it is what the per-request limit
    /// applies to and what admission reserves: a rule that turns two letters into fifty words cannot turn a short text
    /// into an hour of audio.
    /// </summary>
    private async Task<int> SpokenCharactersAsync(CallerIdentity caller, GenerateValidation fields, PlanLimits plan, Dictionary<string, string[]> errors,
        CancellationToken cancellationToken)
    {
        var rules = await lexicons.ForSynthesisAsync(caller.TenantId, cancellationToken);
        int spoken = rules.Count == 0 ? JobAdmission.Characters(fields.Text) : JobAdmission.Characters(Lexicon.Apply(fields.Text, fields.Language, rules));
        int max = Math.Min(plan.MaxTextChars, engine.Capabilities.MaxTextLength);
        if (spoken > max)
        {
            errors["text"] = [$"Your pronunciation rules make this text {spoken} characters long; the '{plan.Id}' plan allows {max} per request."];
        }
        return spoken;
    }

    /// <summary>What the plan does not include: the output format, the deployment's engine, an inline voice's mode.</summary>
    private ProblemHttpResult? PlanRestriction(PlanLimits plan, string format, VoiceSource? inline)
    {
        if (!plan.Allows(plan.AllowedFormats, format))
        {
            return Admissions.Restricted(plan, "format", format, plan.AllowedFormats);
        }
        if (!plan.Allows(plan.AllowedEngines, engine.Name))
        {
            return Admissions.Restricted(plan, "engine", engine.Name, plan.AllowedEngines);
        }
        string? mode = inline switch { CloneSource => VoiceModes.Clone, DesignSource => VoiceModes.Design, _ => null };
        return mode is not null && !plan.Allows(plan.AllowedModes, mode) ? Admissions.Restricted(plan, "voice mode", mode, plan.AllowedModes) : null;
    }
}
