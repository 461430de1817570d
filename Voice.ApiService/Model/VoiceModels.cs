using System.Text.Json;
using Voice.Audio.Processing;

namespace Voice.ApiService.Model;

/// <summary>
/// <c>POST /api/v1/voices</c> as JSON: a designed voice (<c>description</c>) or a named preset (<c>preset</c>) with an
/// optional style <c>instruct</c>. Clones are created with multipart/form-data (see the voices API).
/// <c>sample_text</c> queues a preview at once.
/// </summary>
public sealed record CreateVoiceRequest(string? Mode, string? Name, string? Language, string? Description, string? Preset, string? SampleText,
    string? Instruct = null);

public sealed record UpdateVoiceRequest(string? Name);

/// <summary><c>POST /api/v1/voices/{id}/preview</c>: all optional — a sample sentence in the voice's language by default.</summary>
public sealed record PreviewRequest(string? Text, string? Language, string? Format);

/// <summary>A reference recording's quality report.</summary>
public sealed record ReferenceQualityView(
    double DurationSeconds,
    double SpeechSeconds,
    double SilenceRatio,
    int SampleRate,
    double BandwidthHz,
    double SignalToNoiseDb,
    double ClippedPercent,
    double LoudnessLufs,
    double TruePeakDbtp,
    IReadOnlyList<string> Warnings)
{
    public static ReferenceQualityView From(ReferenceReport r) => new(r.DurationSeconds, r.SpeechSeconds, r.SilenceRatio, r.SampleRate,
        r.BandwidthHz, r.SignalToNoiseDb, r.ClippedPercent, r.OriginalLoudnessLufs, r.OriginalTruePeakDbtp, r.Warnings);
}

public sealed record QualityIssueView(string Code, string Message);

/// <summary>
/// The consent record of a cloned voice: the statement and who attested it, when and from where, under which
/// version of the platform's consent terms, the SHA-256 of the statement and of the recording as uploaded,
/// and whether the recording was checked for a spoken consent phrase (no speech recogniser yet:
/// <c>not-performed</c>). Records made before these fields existed show them as null.
/// </summary>
public sealed record ConsentView(
    string Statement, string GivenBy, DateTimeOffset GivenAt, string? TermsVersion = null, string? StatementSha256 = null,
    string? SourceAddress = null, string? ReferenceSha256 = null, string? SpokenPhraseCheck = null);

/// <summary><c>GET /api/v1/voices/{id}/consent</c>: the record to keep, with the voice it is for.</summary>
public sealed record ConsentExport(Guid VoiceId, Guid TenantId, string VoiceName, DateTimeOffset VoiceCreatedAt, ConsentView Consent);

/// <summary>A voice profile. <c>task_id</c> (its preparation) and <c>preview_task_id</c> are set only in the creation answer.</summary>
public sealed record VoiceView(
    Guid Id,
    string Object,
    string Name,
    string Mode,
    string Status,
    string Language,
    string? Description,
    string? ReferenceText,
    string? Engine,
    string? Fidelity,
    JsonElement? Quality,
    JsonElement? Analysis,
    IReadOnlyList<string> Notes,
    ConsentView? Consent,
    JsonElement? Error,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ReadyAt,
    Guid? TaskId = null,
    Guid? PreviewTaskId = null,
    string? Instruction = null,
    string? Model = null);

/// <summary>A preset voice: ready in every language, usable by name.</summary>
public sealed record PresetView(string Id, string Object, string Name, string Mode, string Status, string Gender, string Description,
    IReadOnlyList<string> Languages, string Engine, string Fidelity);

public sealed record VoiceListView(IReadOnlyList<PresetView> Presets, IReadOnlyList<VoiceView> Voices, Guid? NextBefore);
