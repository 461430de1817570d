using System.Collections.Concurrent;
using System.Diagnostics;
using Voice.Audio;
using Voice.Audio.Decoding;
using Voice.Audio.Processing;
using Voice.Audio.Resampling;
using Voice.Core.Storage;
using Voice.Core.Voices;
using Voice.Speech.Engines;
using Voice.Worker.Hosting;
using Voice.Worker.Jobs;

namespace Voice.Worker.Voices;

/// <summary>
/// Turns a job's voice (a preset name or a profile id) into the engine's prompt. Presets are prepared once per
/// process; profiles are prepared once — by their preparation job, or by the first speech job that gets there
/// first — and stored, so later jobs only read the prompt. A profile prepared by another engine or model (another
/// pool, or the deployment switched models) is prepared again for this one.
/// </summary>
public sealed partial class VoicePrompts(ISpeechEngine engine, VoiceStore voices, BlobStore blobs, WorkerTelemetry telemetry, ILogger<VoicePrompts> logger)
{
    private readonly ConcurrentDictionary<(string Preset, string Language), VoicePrompt> _presets = new();

    /// <summary>The prompt for a speech job's voice, and the profile behind it (null for a preset).</summary>
    public async Task<(VoicePrompt Prompt, VoiceProfile? Profile)> ResolveAsync(Guid tenantId, string voice, string language, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(voice, out var id))
        {
            var key = (voice.ToLowerInvariant(), language);
            if (!_presets.TryGetValue(key, out var preset))
            {
                preset = await engine.CreateVoiceAsync(new PresetVoiceSpec(key.Item1, language), cancellationToken).ConfigureAwait(false);
                _presets[key] = preset;
            }
            return (preset, null);
        }
        var profile = await voices.GetAsync(tenantId, id, cancellationToken).ConfigureAwait(false)
            ?? throw new VoiceUnavailableException("voice-not-found", "The voice profile was deleted.");
        return (await PrepareAsync(profile, cancellationToken).ConfigureAwait(false), profile);
    }

    public async Task<VoicePrompt> PrepareAsync(VoiceProfile profile, CancellationToken cancellationToken)
    {
        if (profile is { Status: VoiceStatus.Ready, Prompt: not null } && profile.Engine == engine.Name
            && profile.Model == engine.Model && await voices.OpenPromptAsync(profile, cancellationToken).ConfigureAwait(false) is { } data)
        {
            return new VoicePrompt(engine.Name, Mode(profile.Mode), data, profile.AnalysisJson ?? "{}", profile.Notes, profile.Fidelity ?? "");
        }
        if (profile.Status == VoiceStatus.Failed)
        {
            throw new VoiceUnavailableException("voice-failed", "The voice profile could not be prepared; create it again from a better source.");
        }

        using var activity = WorkerTelemetry.Source.StartActivity("voice.prepare");
        activity?.SetTag("voice.voice_id", profile.Id);
        activity?.SetTag("voice.mode", profile.Mode);
        activity?.SetTag("voice.engine", engine.Name);
        var started = Stopwatch.GetTimestamp();
        VoicePrompt prompt;
        try
        {
            VoiceSpec spec = profile.Mode switch
            {
                VoiceModes.Preset => new PresetVoiceSpec(profile.Description ?? PresetVoices.Default, profile.Language, profile.Instruction),
                VoiceModes.Design => new DesignVoiceSpec(profile.Description ?? "", profile.Language, profile.Variant),
                _ => new CloneVoiceSpec(await LoadReferenceAsync(profile, cancellationToken).ConfigureAwait(false),
                    AudioFormat.PlatformSampleRate, profile.ReferenceText, profile.Language),
            };
            prompt = await engine.CreateVoiceAsync(spec, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or AudioProblemException)
        {
            // The source itself is unusable for this engine: every attempt would fail the same way.
            LogPreparationFailed(logger, profile.Id, profile.TenantId, ex);
            // Our audio checks speak to the tenant; an engine's own message may carry internals (it is in the log).
            string detail = ex is AudioProblemException ? ex.Message : "The engine cannot make a voice from this source.";
            await voices.MarkFailedAsync(profile.TenantId, profile.Id, JobProblems.Json("voice-failed", detail), CancellationToken.None).ConfigureAwait(false);
            throw new VoiceUnavailableException("voice-failed", $"The voice could not be prepared: {detail}");
        }
        await voices.MarkReadyAsync(profile.TenantId, profile.Id, engine.Name, engine.Model, prompt.Data, prompt.AnalysisJson, prompt.Notes, prompt.Fidelity, CancellationToken.None).ConfigureAwait(false);
        telemetry.VoicesPrepared.Add(1, new KeyValuePair<string, object?>("mode", profile.Mode));
        LogPrepared(logger, profile.Id, profile.TenantId, profile.Mode, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return prompt;
    }

    private async Task<float[]> LoadReferenceAsync(VoiceProfile profile, CancellationToken cancellationToken)
    {
        await using var stream = profile.ReferencePath is null ? null : await blobs.OpenReadAsync(profile.TenantId, profile.ReferencePath, cancellationToken).ConfigureAwait(false);
        if (stream is null)
        {
            throw new ArgumentException("The voice's reference recording is missing.");
        }
        var (audio, _) = await AudioDecoder.DecodeAsync(stream, AudioLimits.Reference, cancellationToken).ConfigureAwait(false);
        // The API stores it prepared (mono, 24 kHz); anything else is brought there rather than misread.
        float[] mono = AudioPreparer.ToMono(audio);
        return audio.SampleRate == AudioFormat.PlatformSampleRate ? mono : PolyphaseResampler.Resample(mono, audio.SampleRate, AudioFormat.PlatformSampleRate);
    }

    /// <summary>Removes a transient profile (made inline by a generate request) once its job is settled.</summary>
    public async Task ForgetTransientAsync(VoiceProfile profile, CancellationToken cancellationToken)
    {
        await voices.DeleteAsync(profile.TenantId, profile.Id, "worker", cancellationToken).ConfigureAwait(false);
        if (profile.ReferencePath is { } path)
        {
            await blobs.DeleteAsync(profile.TenantId, path, cancellationToken).ConfigureAwait(false);
        }
    }

    private static VoiceMode Mode(string mode) => mode switch
    {
        VoiceModes.Preset => VoiceMode.Preset,
        VoiceModes.Design => VoiceMode.Design,
        _ => VoiceMode.Clone,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Voice {VoiceId} of tenant {TenantId} ({Mode}) prepared in {ElapsedMs} ms")]
    private static partial void LogPrepared(ILogger logger, Guid voiceId, Guid tenantId, string mode, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Voice {VoiceId} of tenant {TenantId} could not be prepared")]
    private static partial void LogPreparationFailed(ILogger logger, Guid voiceId, Guid tenantId, Exception exception);
}
