using Microsoft.AspNetCore.Http.HttpResults;
using Voice.ApiService.Accounts;
using Voice.ApiService.Model;
using Voice.ApiService.Services;
using Voice.Core.Audit;
using Voice.Core.Billing;
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
    PlanCatalog plans, VoiceStore voices, VoiceProfiles profiles, AuditLog audit, WebhookStore webhooks, SpokenText spokenText, SsrfGuard guard,
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
        int spoken = errors.ContainsKey("text") ? 0 : await spokenText.CharactersAsync(caller.TenantId, fields.Text, fields.Language, cancellationToken);
        if (spokenText.Problem(spoken, plan) is { } tooLong)
        {
            errors["text"] = [tooLong];
        }
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
