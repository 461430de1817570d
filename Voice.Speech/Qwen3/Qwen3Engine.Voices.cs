using System.Text.Json;
using Voice.Speech.Engines;

namespace Voice.Speech.Qwen3;

/// <summary>Making voices and reading them back: what each voice kind keeps in its profile and how a model that lacks a mode refuses it.</summary>
public sealed partial class Qwen3Engine
{
    public async Task<VoicePrompt> CreateVoiceAsync(VoiceSpec spec, CancellationToken cancellationToken)
    {
        var manifest = _model.Manifest;
        StoredVoice voice;
        var notes = new List<string>();
        switch (spec)
        {
            case PresetVoiceSpec preset:
                voice = PresetVoice(preset, notes);
                break;
            case DesignVoiceSpec design:
                Require("design");
                // The model samples a voice from the description; a variant is the seed it samples with (unless a request names one).
                voice = new StoredVoice("design", spec.Language, Instruct: design.Description, Seed: design.Variant);
                break;
            case CloneVoiceSpec clone:
                Require("clone");
                if (clone.SampleRate != manifest.SampleRate)
                {
                    throw new ArgumentException($"The reference must be {manifest.SampleRate} Hz mono (it is {clone.SampleRate} Hz).", nameof(spec));
                }
                await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    float[] xvector = _model.SpeakerEmbedding(clone.Reference);
                    // In-context cloning needs what the reference says; without it, the x-vector alone carries the voice.
                    long[]? codes = string.IsNullOrWhiteSpace(clone.ReferenceText) ? null : _model.Encode(clone.Reference);
                    voice = new StoredVoice("clone", spec.Language, XVector: xvector, ReferenceCodes: codes, ReferenceText: clone.ReferenceText?.Trim());
                }
                finally
                {
                    _gate.Release();
                }
                if (voice.ReferenceCodes is null)
                {
                    notes.Add("No reference transcript: the voice is cloned from the speaker embedding only, which is less faithful.");
                }
                break;
            default:
                throw new NotSupportedException($"{EngineName} cannot make a voice from {spec.GetType().Name}.");
        }
        var analysis = JsonSerializer.Serialize(new
        {
            model = manifest.Model,
            mode = voice.Mode,
            speaker = voice.Speaker,
            instruction = voice.Mode == "preset" ? voice.Instruct : null,
            seed = voice.Seed,
            reference_frames = voice.ReferenceCodes is { } c ? c.Length / manifest.Codebooks : (int?)null,
            in_context = voice.ReferenceCodes is not null,
        }, Json);
        // What the tenant asked for, even when a preset is rendered from its description.
        var mode = spec switch { PresetVoiceSpec => VoiceMode.Preset, DesignVoiceSpec => VoiceMode.Design, _ => VoiceMode.Clone };
        return new VoicePrompt(EngineName, mode, JsonSerializer.SerializeToUtf8Bytes(voice, Json), analysis, notes, "model");
    }

    private StoredVoice PresetVoice(PresetVoiceSpec preset, List<string> notes)
    {
        var manifest = _model.Manifest;
        string? instruct = string.IsNullOrWhiteSpace(preset.Instruct) ? null : preset.Instruct.Trim();
        if (manifest.Supports("preset") && Qwen3Speakers.For(preset.Preset, preset.Language, manifest.Speakers.Keys) is { } speaker)
        {
            if (instruct is not null && !manifest.FollowsPresetInstructions)
            {
                notes.Add($"The model {manifest.Model} (0.6B) does not follow instructions for its speakers; the instruction is ignored.");
                instruct = null;
            }
            return new StoredVoice("preset", preset.Language, Speaker: speaker, Instruct: instruct);
        }
        // A model without preset speakers (VoiceDesign) renders a preset from its description.
        if (manifest.Supports("design") && PresetVoices.Find(preset.Preset) is { } known)
        {
            return new StoredVoice("design", preset.Language, Instruct: instruct is null ? known.Description : $"{known.Description} {instruct}");
        }
        throw new NotSupportedException($"The model {manifest.Model} has no speaker for the preset '{preset.Preset}' and cannot design one.");
    }

    private void Require(string mode)
    {
        if (!_model.Manifest.Supports(mode))
        {
            throw new NotSupportedException($"The model {_model.Manifest.Model} ({_model.Manifest.Variant}) cannot {mode} voices; it offers: {string.Join(", ", _model.Manifest.Modes)}.");
        }
    }

    private StoredVoice Read(VoicePrompt prompt)
    {
        if (prompt.Engine != EngineName)
        {
            throw new ArgumentException($"The voice was made by {prompt.Engine}; {EngineName} cannot speak with it. Create it again.", nameof(prompt));
        }
        var voice = JsonSerializer.Deserialize<StoredVoice>(prompt.Data, Json) ?? throw new InvalidDataException("Empty voice prompt.");
        if (voice.Speaker is { } speaker && !_model.Manifest.Speakers.ContainsKey(speaker))
        {
            throw new NotSupportedException($"The model {_model.Manifest.Model} has no speaker '{speaker}'.");
        }
        if (voice.XVector is { } x && x.Length != _model.Hidden)
        {
            throw new NotSupportedException($"The voice was made with another model (speaker embedding of {x.Length}, this model's is {_model.Hidden}). Create it again.");
        }
        return voice;
    }

    /// <summary>A voice as the engine keeps it in the profile: computed once, read for every request. A preset's instruction is its style.</summary>
    internal sealed record StoredVoice(string Mode, string Language, string? Speaker = null, string? Instruct = null, float[]? XVector = null,
        long[]? ReferenceCodes = null, string? ReferenceText = null, int? Seed = null);
}
