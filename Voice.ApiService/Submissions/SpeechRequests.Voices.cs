using System.Security.Cryptography;
using System.Text;
using Voice.ApiService.Accounts;
using Voice.ApiService.Model;
using Voice.ApiService.Services;
using Voice.Core.Voices;
using Voice.Speech.Engines;

namespace Voice.ApiService.Submissions;

/// <summary>Resolving the voice a generate request names.</summary>
public sealed partial class SpeechRequests
{
    /// <summary>
    /// A preset, one of the tenant's profiles, or an inline source (the seed's <c>mode: clone</c> / <c>mode: design</c>
    /// form, or a preset with a style instruction). Another tenant's profile id reads as unknown.
    /// </summary>
    private async Task<RequestedVoice> ResolveVoiceAsync(
        GenerateRequest request, CallerIdentity caller, Dictionary<string, string[]> errors, CancellationToken cancellationToken)
    {
        string? mode = request.Mode?.ToLowerInvariant();
        if (mode is VoiceModes.Clone or VoiceModes.Design)
        {
            return InlineVoice(request, mode, errors);
        }
        if (mode is not (null or VoiceModes.Preset))
        {
            errors["mode"] = ["'clone' (with ref_audio and consent), 'design' (with instruct) or 'preset'."];
            return new RequestedVoice(PresetVoices.Default, null, null, null);
        }
        foreach (var (field, value) in new[] { ("ref_audio", request.RefAudio), ("ref_text", request.RefText), ("consent", request.Consent) })
        {
            if (value is not null)
            {
                errors[field] = ["Only used with mode 'clone'."];
            }
        }
        string name = request.Voice ?? PresetVoices.Default;
        if (!Guid.TryParse(name, out var voiceId))
        {
            return PresetVoice(request, name, errors);
        }
        if (request.Instruct is not null)
        {
            errors["instruct"] = ["A style instruction shapes a preset voice (or, with mode 'design', describes one); your own voices keep theirs."];
        }
        var profile = await voices.GetAsync(caller.TenantId, voiceId, cancellationToken);
        if (profile is null)
        {
            await audit.RecordForeignAccessAsync(caller.TenantId, "voice", voiceId.ToString(), caller.Actor, cancellationToken);
            errors["voice"] = [$"Unknown voice '{voiceId}'."];
        }
        else if (profile.Status == VoiceStatus.Failed)
        {
            errors["voice"] = ["This voice could not be prepared and cannot speak; create it again from a better source."];
        }
        return new RequestedVoice(voiceId.ToString(), null, profile?.Language, null,
            profile is null ? VoiceMode.Preset : VoiceProfiles.ModeOf(profile.Mode), profile?.PromptFormat);
    }

    private RequestedVoice InlineVoice(GenerateRequest request, string mode, Dictionary<string, string[]> errors)
    {
        if (request.Voice is not null)
        {
            errors["voice"] = [$"Give either 'voice' or the inline '{mode}' fields, not both."];
        }
        string language = request.Language ?? "en";
        VoiceSource source;
        byte[] hash;
        if (mode == VoiceModes.Design)
        {
            source = new DesignSource(request.Instruct ?? "", language);
            hash = SHA256.HashData(Encoding.UTF8.GetBytes("design\n" + request.Instruct));
        }
        else
        {
            byte[] audio = [];
            if (string.IsNullOrEmpty(request.RefAudio) || !TryDecodeBase64(request.RefAudio, out audio))
            {
                errors["ref_audio"] = ["The reference recording is required, as base64 (optionally a data: URL)."];
            }
            source = new CloneSource(audio, request.RefText, request.Consent ?? "", language);
            hash = SHA256.HashData([.. SHA256.HashData(audio), .. Encoding.UTF8.GetBytes("clone\n" + request.RefText + "\n" + request.Consent)]);
        }
        foreach (var (field, messages) in profiles.Validate(source, null))
        {
            string key = field switch { "audio" => "ref_audio", "reference_text" => "ref_text", "description" => "instruct", _ => field };
            errors.TryAdd(key, messages);
        }
        return new RequestedVoice(null, source, null, hash, mode == VoiceModes.Design ? VoiceMode.Design : VoiceMode.Clone);
    }

    private RequestedVoice PresetVoice(GenerateRequest request, string name, Dictionary<string, string[]> errors)
    {
        if (PresetVoices.Find(name) is not { } preset)
        {
            errors["voice"] = [$"Unknown voice '{name}'. Use a voice id from GET /api/v1/voices or a preset: {string.Join(", ", PresetVoices.All.Select(v => v.Name))}."];
            return new RequestedVoice(name, null, null, null);
        }
        if (request.Instruct is not { } style)
        {
            return new RequestedVoice(preset.Name, null, null, null);
        }
        // A preset with a style instruction: a transient voice for this request only.
        var source = new PresetSource(preset.Name, request.Language ?? "en", style);
        foreach (var (field, messages) in profiles.Validate(source, null))
        {
            errors.TryAdd(field, messages);
        }
        return new RequestedVoice(null, source, null, SHA256.HashData(Encoding.UTF8.GetBytes($"preset\n{preset.Name}\n{style}")));
    }

    private static bool TryDecodeBase64(string value, out byte[] bytes)
    {
        int comma = value.StartsWith("data:", StringComparison.Ordinal) ? value.IndexOf(',', StringComparison.Ordinal) : -1;
        string payload = comma >= 0 ? value[(comma + 1)..] : value;
        bytes = new byte[payload.Length * 3 / 4 + 3];
        if (Convert.TryFromBase64String(payload, bytes, out int written))
        {
            bytes = bytes[..written];
            return written > 0;
        }
        bytes = [];
        return false;
    }
}
