using Voice.ApiService.Accounts;
using Voice.ApiService.Model;
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
/// speech job, admitted, billed and limited like any other, through <see cref="JobSubmitter"/>.
/// </summary>
public sealed class VoicePreviews(VoiceStore voices, AuditLog audit, JobSubmitter submitter, PlanCatalog plans, SpokenText spokenText, SpeechEngineDescriptor engine,
    TimeProvider clock)
{
    public const int MaxCharacters = 300;

    /// <summary>Previews a voice by id, or a preset by name: accepted, or the problem (404, 422, 400, 403, 429 or 503).</summary>
    public async Task<SubmissionOutcome> PreviewAsync(CallerIdentity caller, string id, PreviewRequest request, CancellationToken cancellationToken)
    {
        string voiceKey, voiceLanguage;
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
            (voiceKey, voiceLanguage) = (voice.Id.ToString(), voice.Language);
        }
        else if (PresetVoices.Find(id) is { } preset)
        {
            (voiceKey, voiceLanguage) = (preset.Name, "en");
        }
        else
        {
            return new SubmissionOutcome.Problem(Problems.VoiceMissing(id));
        }
        var (text, language, format, errors) = Check(request, voiceLanguage);
        if (errors.Count > 0)
        {
            return new SubmissionOutcome.Problem(Problems.ValidationFailed(errors));
        }
        var plan = await plans.GetAsync(caller.Plan, cancellationToken);
        if (!plan.Allows(plan.AllowedFormats, format))
        {
            return new SubmissionOutcome.Problem(Admissions.Restricted(plan, "format", format, plan.AllowedFormats));
        }
        int spoken = await spokenText.CharactersAsync(caller.TenantId, text, language, cancellationToken);
        if (spokenText.Problem(spoken, plan) is { } tooLong)
        {
            return new SubmissionOutcome.Problem(Problems.ValidationFailed(new() { ["text"] = [tooLong] }));
        }
        try
        {
            var taskId = await QueueAsync(caller, plan, voiceKey, text, language, format, spoken);
            return new SubmissionOutcome.Accepted(taskId, JobStatus.Queued, engine.CheckText(text, language).Warnings);
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
            int spoken = await spokenText.CharactersAsync(caller.TenantId, text, voice.Language, CancellationToken.None);
            return spokenText.Problem(spoken, plan) is not null ? null : await QueueAsync(caller, plan, voice.Id.ToString(), text, voice.Language, AudioFormats.Mp3, spoken);
        }
        catch (Exception ex) when (ex is AdmissionRefusedException or QueueUnavailableException)
        {
            return null;
        }
    }

    private (string Text, string Language, string Format, Dictionary<string, string[]> Errors) Check(PreviewRequest request, string voiceLanguage)
    {
        var errors = new Dictionary<string, string[]>();
        string language = request.Language ?? voiceLanguage;
        if (!engine.Capabilities.Languages.Contains(language))
        {
            errors["language"] = [$"Unknown language '{language}'. Supported: {string.Join(", ", engine.Capabilities.Languages)}."];
        }
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
        return (text, language, format, errors);
    }

    private async Task<Guid> QueueAsync(CallerIdentity caller, PlanLimits plan, string voice, string text, string language, string format, int spoken)
    {
        var job = await submitter.SubmitAsync(
            new NewJob(caller.TenantId, new JobSpec(text, language, voice, format), null, Admissions.For(plan, clock), spoken), plan.QueueWeight);
        return job.Id;
    }
}
