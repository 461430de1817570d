namespace Voice.Web.Services;

// What the voice library page reads from the API (only the fields it shows), apart from ApiViews.cs.

/// <summary>A preset as the library lists it: every tenant has it, ready in each of its languages.</summary>
public sealed record PresetView(string Id, string Name, string Gender, string? Description, string[]? Languages, string? Fidelity);

/// <summary>The presets and the tenant's own voices, apart; <c>NextBefore</c> is set when more voices than one page exist.</summary>
public sealed record VoiceLibraryView(PresetView[] Presets, VoiceView[] Voices, Guid? NextBefore = null);

/// <summary>One rendering of a design: a voice being prepared by its preview task, not listed or counted until kept.</summary>
public sealed record DesignCandidateView(Guid VoiceId, int Index, string Status, Guid? PreviewTaskId, string? Fidelity = null, string[]? Notes = null);

/// <summary>A voice design with its candidates (gone once one is kept, discarded or expired).</summary>
public sealed record VoiceDesignView(Guid Id, string Name, string Description, string Language, DateTimeOffset ExpiresAt, DesignCandidateView[] Candidates,
    string[]? Warnings = null);

/// <summary>A card in the library: a preset or one of the tenant's voices, shown alike.</summary>
public sealed record VoiceCard(string Id, string Name, string Kind, string Status, string Language, string? Gender, string? Description, string? Fidelity,
    bool Own)
{
    public bool Ready => Status == "ready";

    public bool Settled => Status is "ready" or "failed";

    public static VoiceCard From(PresetView preset, string language) =>
        new(preset.Id, preset.Name, "preset", "ready", language, preset.Gender, preset.Description, preset.Fidelity, Own: false);

    public static VoiceCard From(VoiceView voice) =>
        new(voice.Id, voice.Name, voice.Mode, voice.Status, voice.Language ?? "en", null, voice.Description, voice.Fidelity, Own: true);

    /// <summary>What the fidelity means for the listener, in one line.</summary>
    public static string ExplainFidelity(string? fidelity) => fidelity switch
    {
        "approximate" => "Approximate: the embedded engine imitates pitch and pace, not timbre.",
        "model" => "Model: a neural model reproduces the voice's timbre as well as its pitch and pace.",
        null or "" => "Fidelity is known once the voice is prepared.",
        var other => $"Fidelity: {other}.",
    };
}
