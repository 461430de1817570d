namespace Voice.ApiService.Model;

/// <summary>
/// <c>POST /api/v1/dialogue</c>: turns spoken in order, each in its voice (a preset name or a voice profile id), into one
/// audio file, <c>pause_ms</c> of silence between turns. <c>format</c>, <c>language</c>, <c>timestamps</c> and
/// <c>callback_url</c> mean what they mean for a generate request; a turn without a language speaks its voice's.
/// </summary>
public sealed record DialogueRequest(
    IReadOnlyList<DialogueTurnRequest?>? Turns,
    string? Format = null,
    string? Language = null,
    string? Timestamps = null,
    int? PauseMs = null,
    string? CallbackUrl = null);

public sealed record DialogueTurnRequest(string? Voice, string? Text);

/// <summary>
/// A dialogue task's turns and, once it completed, its usage per voice: each turn's characters are billed to its voice,
/// and so is the audio from its start to the next turn's (the pause after it included), so the voices add up to the task.
/// </summary>
public sealed record DialogueView(int PauseMs, IReadOnlyList<DialogueTurnView> Turns, IReadOnlyList<VoiceUsageView>? Usage);

/// <summary>A turn: its voice, its characters, and once spoken when it starts in the audio (seconds).</summary>
public sealed record DialogueTurnView(string Voice, string Language, int Characters, double? Start);

public sealed record VoiceUsageView(string Voice, int Turns, int Characters, double AudioSeconds);
