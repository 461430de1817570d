using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Voice.ApiService.Accounts;
using Voice.ApiService.Model;
using Voice.ApiService.Pools;
using Voice.Audio;
using Voice.Audio.Decoding;
using Voice.Audio.Encoding;
using Voice.Audio.Processing;
using Voice.Core.Billing;
using Voice.Core.Jobs;
using Voice.Core.Storage;
using Voice.Core.Voices;
using Voice.Speech.Engines;

namespace Voice.ApiService.Services;

/// <summary>What a tenant asks a new voice to be made from.</summary>
public abstract record VoiceSource(string Language);

/// <summary>A named preset, optionally with a style instruction (CustomVoice 1.7B follows it; other engines design from it or note they ignore it).</summary>
public sealed record PresetSource(string Preset, string Language, string? Instruct = null) : VoiceSource(Language);

public sealed record DesignSource(string Description, string Language) : VoiceSource(Language);

/// <summary>An uploaded recording (any supported format) and the speaker's consent statement.</summary>
public sealed record CloneSource(ReadOnlyMemory<byte> Audio, string? ReferenceText, string Consent, string Language) : VoiceSource(Language);

/// <summary>A created profile, or the problem that stopped it; <see cref="Quality"/> for clones.</summary>
public sealed record VoiceCreation(VoiceProfile? Voice, Guid? TaskId, ReferenceReport? Quality, ProblemHttpResult? Problem, string? RetryAfter = null);

/// <summary>
/// Creates voice profiles for the voices API and for inline generate requests: validates the source against the
/// pools, prepares and quality-checks a clone's reference (the prepared 24 kHz audio is stored, losslessly, so
/// the worker never sees the raw upload), records the profile within the plan's limit, and queues its
/// preparation on the pool the router chooses. Transient profiles (inline requests) skip the queue: their speech job prepares them.
/// </summary>
public sealed partial class VoiceProfiles(
    VoiceStore store, BlobStore blobs, JobSubmitter submitter, JobStore jobs, PoolDirectory directory, PoolRouter router, TimeProvider clock,
    ILogger<VoiceProfiles> logger)
{
    private static readonly ActivitySource Activity = new("Voice.Api");

    public const int MaxNameLength = 100;
    public const int MaxDescriptionLength = 1_000;
    public const int MaxReferenceTextLength = 2_000;
    public const int MinConsentLength = 10;

    /// <summary>The version of the platform's voice-cloning consent terms that tenants attest under.</summary>
    public const string ConsentTermsVersion = "2026-11-01";
    public const int MaxConsentLength = 2_000;

    /// <summary>Checks a source's fields; the errors are keyed by the request's field names.</summary>
    public Dictionary<string, string[]> Validate(VoiceSource source, string? name)
    {
        var errors = new Dictionary<string, string[]>();
        if (name is not null && (name.Trim().Length is 0 or > MaxNameLength))
        {
            errors["name"] = [$"1–{MaxNameLength} characters."];
        }
        // Some pool must make the mode in the language; which one (within the plan) the router decides when the job is queued.
        string mode = ModeName(source);
        var pools = directory.Pools.Select(p => p.Pool).ToList();
        var making = pools.Where(p => p.Modes.Contains(mode, StringComparer.Ordinal)).ToList();
        if (making.Count == 0)
        {
            errors["mode"] = [$"No running model makes {mode} voices; the running models make: {List(pools.SelectMany(p => p.Modes))} (GET /api/v1/models)."];
        }
        else if (!making.Any(p => p.Languages.Contains(source.Language, StringComparer.Ordinal)))
        {
            errors["language"] = [$"Unknown language '{source.Language}' for {mode} voices. Supported: {List(making.SelectMany(p => p.Languages))}."];
        }
        switch (source)
        {
            case PresetSource preset when PresetVoices.Find(preset.Preset) is null:
                errors["preset"] = [$"Unknown preset '{preset.Preset}'. Presets: {string.Join(", ", PresetVoices.All.Select(v => v.Name))}."];
                break;
            case PresetSource { Instruct: { } instruct } when instruct.Trim().Length is 0 or > MaxDescriptionLength:
                errors["instruct"] = [$"A style instruction of 1–{MaxDescriptionLength} characters, or none."];
                break;
            case DesignSource design when design.Description.Trim().Length is 0 or > MaxDescriptionLength:
                errors["description"] = [$"Describe the voice in 1–{MaxDescriptionLength} characters."];
                break;
            case CloneSource clone:
                if (clone.Audio.IsEmpty)
                {
                    errors["audio"] = ["A reference recording is required."];
                }
                if (clone.ReferenceText is { Length: > MaxReferenceTextLength })
                {
                    errors["reference_text"] = [$"At most {MaxReferenceTextLength} characters."];
                }
                if (clone.Consent.Trim().Length is < MinConsentLength or > MaxConsentLength)
                {
                    errors["consent"] = [$"A statement ({MinConsentLength}–{MaxConsentLength} characters) that the speaker agreed to have their voice cloned is required."];
                }
                break;
        }
        return errors;
    }

    /// <summary>
    /// Creates the profile (after <see cref="Validate"/> found nothing) within the caller's <paramref name="plan"/>
    /// (loaded once by the request) and, unless transient, queues its preparation.
    /// </summary>
    public async Task<VoiceCreation> CreateAsync(CallerIdentity caller, PlanLimits plan, VoiceSource source, string? name, bool transient,
        CancellationToken cancellationToken, string? clientAddress = null)
    {
        var id = Guid.CreateVersion7();
        using var activity = Activity.StartActivity("voice.create");
        activity?.SetTag("voice.tenant_id", caller.TenantId);
        activity?.SetTag("voice.voice_id", id);
        activity?.SetTag("voice.transient", transient);
        ReferenceReport? quality = null;
        string? referencePath = null, consentJson = null, qualityJson = null;
        string requestedMode = ModeName(source);
        if (!plan.Allows(plan.AllowedModes, requestedMode))
        {
            return new VoiceCreation(null, null, null, Admissions.Restricted(plan, "voice mode", requestedMode, plan.AllowedModes));
        }
        // The pool that will prepare it (a transient profile is prepared by its speech job's pool, routed by the request).
        string pool = "";
        if (!transient)
        {
            var errors = new Dictionary<string, string[]>();
            var (route, refusal) = router.Route(new RouteRequest(ModeOf(requestedMode), source.Language, ModeField: "mode"), plan, errors);
            if (route is null)
            {
                return new VoiceCreation(null, null, null, refusal ?? Problems.ValidationFailed(errors));
            }
            pool = route.Pool;
        }
        // A preparation job holds a concurrency slot like any job: refuse before decoding when none is free.
        if (!transient && await jobs.PrecheckAsync(Preparation(caller, plan, id, source.Language, pool), null, null, cancellationToken) is { Refusal: { } full })
        {
            return Refused(full, plan);
        }
        if (source is CloneSource clone)
        {
            var limits = AudioLimits.Reference with { MaxBytes = Math.Min(plan.MaxUploadBytes, AudioLimits.Reference.MaxBytes) };
            if (clone.Audio.Length > limits.MaxBytes)
            {
                return new VoiceCreation(null, null, null, Apis.AudioApi.Problem(new AudioProblemException(AudioProblemKind.TooLarge,
                    $"The file is {clone.Audio.Length / 1024} KiB; the '{plan.Id}' plan accepts recordings up to {limits.MaxBytes / 1024} KiB.")));
            }
            PreparedAudio prepared;
            try
            {
                var (audio, _) = AudioDecoder.Decode(clone.Audio, limits);
                prepared = AudioPreparer.PrepareReference(audio, limits);
            }
            catch (AudioProblemException problem)
            {
                return new VoiceCreation(null, null, null, Apis.AudioApi.Problem(problem));
            }
            quality = prepared.Report;
            var refusals = ReferenceQuality.Refusals(quality);
            activity?.SetTag("voice.reference_speech_seconds", quality.SpeechSeconds);
            if (refusals.Count > 0)
            {
                LogRefused(logger, caller.TenantId, string.Join(",", refusals.Select(r => r.Code)));
                return new VoiceCreation(null, null, quality, PoorReference(quality, refusals));
            }
            referencePath = $"voices/{id:N}/reference.flac";
            using var encoded = new MemoryStream();
            await AudioFormats.EncodeAsync(AudioFormats.Flac, prepared.Samples, encoded, AudioMetadata.None, cancellationToken);
            encoded.Position = 0;
            await blobs.UploadAsync(caller.TenantId, referencePath, encoded, AudioFormats.ContentType(AudioFormats.Flac), cancellationToken);
            string statement = clone.Consent.Trim();
            consentJson = JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["statement"] = statement,
                ["given_by"] = caller.Actor,
                ["given_at"] = clock.GetUtcNow(),
                ["terms_version"] = ConsentTermsVersion,
                ["statement_sha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(statement))),
                ["source_address"] = clientAddress,
                ["reference_sha256"] = Convert.ToHexStringLower(SHA256.HashData(clone.Audio.Span)),
                // The seam for checking that the recording speaks a consent phrase (an ASR engine): not yet.
                ["spoken_phrase_check"] = "not-performed",
            });
            qualityJson = JsonSerializer.Serialize(ReferenceQualityView.From(quality), ApiJsonContext.Default.ReferenceQualityView);
        }

        var (mode, description) = source switch
        {
            CloneSource => (VoiceModes.Clone, (string?)null),
            DesignSource design => (VoiceModes.Design, design.Description.Trim()),
            PresetSource preset => (VoiceModes.Preset, PresetVoices.Find(preset.Preset)!.Name),
            _ => throw new ArgumentOutOfRangeException(nameof(source)),
        };
        var newVoice = new NewVoice(id, name?.Trim() ?? DefaultName(source), mode, source.Language, description,
            (source as CloneSource)?.ReferenceText?.Trim() is { Length: > 0 } text ? text : null, referencePath, consentJson, qualityJson, transient,
            (source as PresetSource)?.Instruct?.Trim());
        var voice = await store.CreateAsync(caller.TenantId, newVoice, caller.Actor, cancellationToken);
        if (voice is null)
        {
            await DeleteReferenceAsync(caller.TenantId, referencePath);
            return new VoiceCreation(null, null, quality, Problems.Create(StatusCodes.Status403Forbidden, Problems.VoiceLimitReached,
                "The plan's voice limit is reached.", $"The '{plan.Id}' plan keeps at most {plan.MaxVoices} voices; delete one or change plans.",
                new Dictionary<string, object?> { ["limit"] = plan.MaxVoices }));
        }
        activity?.SetTag("voice.mode", mode);
        LogCreated(logger, voice.Id, caller.TenantId, mode, transient);
        if (transient)
        {
            return new VoiceCreation(voice, null, quality, null);
        }
        try
        {
            var job = await submitter.SubmitAsync(Preparation(caller, plan, voice.Id, voice.Language, pool), plan.QueueWeight);
            return new VoiceCreation(voice, job.Id, quality, null);
        }
        catch (AdmissionRefusedException refused) // the last slot went to another request since the precheck
        {
            await DiscardAsync(voice, CancellationToken.None);
            return Refused(refused.Refusal, plan);
        }
        catch (QueueUnavailableException)
        {
            await DiscardAsync(voice, CancellationToken.None);
            return new VoiceCreation(null, null, quality, Problems.Create(StatusCodes.Status503ServiceUnavailable, Problems.QueueUnavailable,
                "The job queue is unavailable.", "The voice was not created; retry shortly."));
        }
    }

    private static string ModeName(VoiceSource source) => source switch { CloneSource => VoiceModes.Clone, DesignSource => VoiceModes.Design, _ => VoiceModes.Preset };

    /// <summary>A profile's stored mode as the engines name it.</summary>
    public static VoiceMode ModeOf(string mode) => mode switch
    {
        VoiceModes.Clone => VoiceMode.Clone,
        VoiceModes.Design => VoiceMode.Design,
        _ => VoiceMode.Preset,
    };

    private static string List(IEnumerable<string> values) => string.Join(", ", values.Distinct().Order(StringComparer.Ordinal));

    /// <summary>The job that prepares a voice: within the plan's concurrency, outside its character and audio quotas (it speaks nothing billable).</summary>
    private NewJob Preparation(CallerIdentity caller, PlanLimits plan, Guid voiceId, string language, string pool) =>
        new(caller.TenantId, new JobSpec("", language, voiceId.ToString(), "none", JobKinds.Voice), null,
            new JobAdmission(JobAdmission.PeriodOf(clock.GetUtcNow()), plan.MaxConcurrentJobs, null, null), Pool: pool);

    private VoiceCreation Refused(AdmissionRefusal refusal, PlanLimits plan)
    {
        var problem = Admissions.Refused(refusal, plan, clock);
        return new VoiceCreation(null, null, null, problem.Result, problem.RetryAfter);
    }

    /// <summary>Removes a profile and its reference recording (a transient one a request no longer needs, or a deleted one).</summary>
    public async Task DiscardAsync(VoiceProfile voice, CancellationToken cancellationToken)
    {
        await store.DeleteAsync(voice.TenantId, voice.Id, "system", cancellationToken);
        await DeleteReferenceAsync(voice.TenantId, voice.ReferencePath);
    }

    private async Task DeleteReferenceAsync(Guid tenantId, string? path)
    {
        if (path is not null)
        {
            await blobs.DeleteAsync(tenantId, path, CancellationToken.None);
        }
    }

    private static ProblemHttpResult PoorReference(ReferenceReport quality, IReadOnlyList<QualityIssue> refusals) =>
        Problems.Create(StatusCodes.Status422UnprocessableEntity, Problems.PoorReference, "The reference recording is not good enough to clone.",
            string.Join(" ", refusals.Select(r => r.Message)),
            new Dictionary<string, object?>
            {
                ["reasons"] = refusals.Select(r => new QualityIssueView(r.Code, r.Message)).ToList(),
                ["quality"] = ReferenceQualityView.From(quality),
            });

    public static string DefaultName(VoiceSource source) => source switch
    {
        PresetSource preset => PresetVoices.Find(preset.Preset)!.Name,
        DesignSource design => design.Description.Trim().Length <= 60 ? design.Description.Trim() : design.Description.Trim()[..57] + "...",
        _ => "Cloned voice",
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Voice {VoiceId} ({Mode}, transient: {Transient}) created for tenant {TenantId}")]
    private static partial void LogCreated(ILogger logger, Guid voiceId, Guid tenantId, string mode, bool transient);

    [LoggerMessage(Level = LogLevel.Information, Message = "A clone reference of tenant {TenantId} was refused: {Reasons}")]
    private static partial void LogRefused(ILogger logger, Guid tenantId, string reasons);
}
