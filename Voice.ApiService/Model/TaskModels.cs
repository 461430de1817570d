using System.Text.Json;

namespace Voice.ApiService.Model;

/// <summary><c>POST /api/v1/voice/generate</c> body.</summary>
public sealed record GenerateRequest(string? Text, string? Language, string? Voice, string? Format, string? CallbackUrl);

/// <summary>The 202 answer to a generate request.</summary>
public sealed record TaskAccepted(Guid TaskId, string Status, string StatusUrl);

/// <summary><c>GET /api/v1/task/{id}</c>.</summary>
public sealed record TaskStatus(
    Guid TaskId,
    string Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    int Attempts,
    long? QueuePosition,
    double? Progress,
    bool CancelRequested,
    TaskRequestSummary Request,
    string? ResultUrl,
    DateTimeOffset? ResultExpiresAt,
    TaskResultSummary? Result,
    JsonElement? Error);

public sealed record TaskRequestSummary(string Language, string Voice, string Format, int Characters, string? CallbackUrl);

/// <summary>A task in a listing: no result link (ask the task itself for a fresh one).</summary>
public sealed record TaskSummary(Guid TaskId, string Status, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, int Attempts, TaskRequestSummary Request);

public sealed record TaskList(IReadOnlyList<TaskSummary> Data, Guid? NextBefore);

public sealed record CancelAnswer(Guid TaskId, string Status, bool CancelRequested);

public sealed record TaskResultSummary(
    string Format, string ContentType, int SampleRate, double DurationSeconds, long Bytes, string? Engine, string? Model);

public sealed record VoiceSummary(string Id, string Name, string Mode, string Gender, string Description, IReadOnlyList<string> Languages);

public sealed record VoiceList(IReadOnlyList<VoiceSummary> Data);

/// <summary>What a reference recording turned out to be.</summary>
public sealed record AudioAnalysis(
    string Container, int SampleRate, int Channels, double DurationSeconds, double SpeechSeconds,
    double LoudnessLufs, double TruePeakDbtp, double ClippedPercent, double SignalToNoiseDb, IReadOnlyList<string> Warnings);
