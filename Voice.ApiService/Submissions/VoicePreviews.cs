using Voice.ApiService.Accounts;
using Voice.ApiService.Model;
using Voice.ApiService.Pools;
using Voice.ApiService.Services;
using Voice.Audio.Encoding;
using Voice.Core.Audit;
using Voice.Core.Billing;
using Voice.Core.Jobs;
using Voice.Core.Voices;
using Voice.Speech.Engines;

namespace Voice.ApiService.Submissions;

/// <summary>
/// A voice's preview: a short sample (a sentence in its language unless text is given). A preview is an ordinary
/// speech job, admitted, billed and limited like any other, through <see cref="JobSubmitter"/>, on the pool the
/// router chooses for the voice.
/// </summary>
public sealed class VoicePreviews(VoiceStore voices, AuditLog audit, JobSubmitter submitter, PlanCatalog plans, SpokenText spokenText, PoolRouter router,
    SpeechEngineDescriptor engine, TimeProvider clock)
{
    public const int MaxCharacters = 300;

    /// <summary>Previews a voice by id, or a preset by name: accepted, or the problem (404, 422, 400, 403, 429 or 503).</summary>
    public async Task<SubmissionOutcome> PreviewAsync(CallerIdentity caller, string id, PreviewRequest request, CancellationToken cancellationToken)
    {
        string voiceKey, voiceLanguage;
        VoiceMode mode = VoiceMode.Preset;
        string? promptFormat = null;
        if (Guid.TryParse(id, out var voiceId))
        {
            var voice = await voices.GetAsync(caller.TenantId, voiceId, cancellationToken);
            if (voice is null)
            {
                await audit.RecordForeignAccessAsync(caller.TenantId, "voice", voiceId.ToString(), caller.Actor, cancellationToken);
                return new SubmissionOutcome.Problem(Problems.VoiceMissing(voiceId.ToString()));
            }
            if (voice.Status == VoiceStatus.Failed)
            {
                return new SubmissionOutcome.Problem(Problems.Create(StatusCodes.Status422UnprocessableEntity, Problems.VoiceFailed, "The voice could not be prepared.",
                    "It cannot speak; create it again from a better source."));
            }
            (voiceKey, voiceLanguage, mode, promptFormat) = (voice.Id.ToString(), voice.Language, VoiceProfiles.ModeOf(voice.Mode), voice.PromptFormat);
        }
        else if (PresetVoices.Find(id) is { } preset)
        {
            (voiceKey, voiceLanguage) = (preset.Name, "en");
        }
        else
        {
            return new SubmissionOutcome.Problem(Problems.VoiceMissing(id));
        }
        var plan = await plans.GetAsync(caller.Plan, cancellationToken);
        var errors = new Dictionary<string, string[]>();
        var (route, refusal) = router.Route(new RouteRequest(mode, request.Language ?? voiceLanguage, PromptFormat: promptFormat), plan, errors);
        var (text, language, format) = Check(request, voiceLanguage, route?.Engine ?? engine, errors);
        if (errors.Count > 0)
        {
            return new SubmissionOutcome.Problem(Problems.ValidationFailed(errors));
        }
        if (refusal is not null)
        {
            return new SubmissionOutcome.Problem(refusal);
        }
        if (!plan.Allows(plan.AllowedFormats, format))
        {
            return new SubmissionOutcome.Problem(Admissions.Restricted(plan, "format", format, plan.AllowedFormats));
        }
        int spoken = await spokenText.CharactersAsync(caller.TenantId, text, language, cancellationToken);
        if (SpokenText.Problem(spoken, plan, route!.Engine) is { } tooLong)
        {
            return new SubmissionOutcome.Problem(Problems.ValidationFailed(new() { ["text"] = [tooLong] }));
        }
        try
        {
            var taskId = await QueueAsync(caller, plan, route.Pool, voiceKey, text, language, format, spoken);
            return new SubmissionOutcome.Accepted(taskId, JobStatus.Queued, route.Engine.CheckText(text, language).Warnings);
        }
        catch (QueueUnavailableException)
        {
            return SubmissionOutcome.QueueUnavailable();
        }
        catch (AdmissionRefusedException refused)
        {
            return Admissions.Refused(refused.Refusal, plan, clock);
        }
    }

    /// <summary>A new voice's sample (its <c>sample_text</c>): the task, or null when it was not queued — the voice stands either way.</summary>
    public async Task<Guid?> TryQueueSampleAsync(CallerIdentity caller, PlanLimits plan, VoiceProfile voice, string text)
    {
        try
        {
            var (route, _) = router.Route(new RouteRequest(VoiceProfiles.ModeOf(voice.Mode), voice.Language, PromptFormat: voice.PromptFormat), plan, []);
            if (route is null)
            {
                return null;
            }
            int spoken = await spokenText.CharactersAsync(caller.TenantId, text, voice.Language, CancellationToken.None);
            return SpokenText.Problem(spoken, plan, route.Engine) is not null ? null
                : await QueueAsync(caller, plan, route.Pool, voice.Id.ToString(), text, voice.Language, AudioFormats.Mp3, spoken);
        }
        catch (Exception ex) when (ex is AdmissionRefusedException or QueueUnavailableException)
        {
            return null;
        }
    }

    /// <summary>The preview's text, language and format against the engine of the pool it goes to; what needs fixing goes into <paramref name="errors"/>.</summary>
    private static (string Text, string Language, string Format) Check(PreviewRequest request, string voiceLanguage, SpeechEngineDescriptor engine,
        Dictionary<string, string[]> errors)
    {
        string language = request.Language ?? voiceLanguage;
        string text = request.Text?.Trim() ?? SpeechLanguages.SampleTexts.GetValueOrDefault(language, SpeechLanguages.SampleTexts["en"]);
        if (text.Length is 0 or > MaxCharacters)
        {
            errors["text"] = [$"1–{MaxCharacters} characters."];
        }
        string format = (request.Format ?? AudioFormats.Mp3).ToLowerInvariant();
        if (!AudioFormats.IsKnown(format) || !AudioFormats.IsAvailable(format))
        {
            errors["format"] = [$"Unsupported format '{request.Format}'. Supported: {string.Join(", ", AudioFormats.All.Where(AudioFormats.IsAvailable))}."];
        }
        if (errors.Count == 0 && engine.CheckText(text, language) is { Speakable: false } check)
        {
            errors["text"] = [.. check.Warnings];
        }
        return (text, language, format);
    }

    private async Task<Guid> QueueAsync(CallerIdentity caller, PlanLimits plan, string pool, string voice, string text, string language, string format, int spoken)
    {
        var job = await submitter.SubmitAsync(
            new NewJob(caller.TenantId, new JobSpec(text, language, voice, format), null, Admissions.For(plan, clock), spoken, pool), plan.QueueWeight);
        return job.Id;
    }
}
