using System.Text.Json;

namespace Voice.ApiService.Model;

/// <summary>
/// <c>POST /api/v1/voices/designs</c>: several renderings (<c>candidates</c>, 1–4, default 3) of one description,
/// each previewed with <c>sample_text</c> (a sentence in the language by default); keep one with <see cref="KeepCandidateRequest"/>.
/// </summary>
public sealed record CreateDesignRequest(string? Description, string? Language, string? Name, int? Candidates, string? SampleText);

/// <summary><c>POST /api/v1/voices/designs/{id}/keep</c>: the candidate to keep, and optionally its name.</summary>
public sealed record KeepCandidateRequest(Guid? VoiceId, string? Name);

/// <summary>One rendering of a design: a voice until kept, with the task that previews it (null when it could not be queued then).</summary>
public sealed record CandidateView(
    Guid VoiceId,
    int Index,
    string Status,
    Guid? PreviewTaskId,
    string? PreviewUrl,
    string? Engine,
    string? Fidelity,
    IReadOnlyList<string> Notes,
    JsonElement? Error);

/// <summary>A voice design: its living candidates (gone once one is kept, discarded or <see cref="ExpiresAt"/> passed).</summary>
public sealed record DesignView(
    Guid Id,
    string Object,
    string Name,
    string Description,
    string Language,
    DateTimeOffset ExpiresAt,
    IReadOnlyList<CandidateView> Candidates,
    IReadOnlyList<string> Warnings);
