using System.Text.Json;
using Microsoft.AspNetCore.Mvc;

namespace Voice.ApiService.Model;

/// <summary>
/// <c>POST /api/v1/voice/generate</c>. <c>voice</c> is a preset name or a voice profile id; or, in the inline
/// form, <c>mode: "clone"</c> with <c>ref_audio</c> (base64) + <c>consent</c> (+ <c>ref_text</c>), or
/// <c>mode: "design"</c> with <c>instruct</c>, which makes a transient profile for this request only. A preset
/// <c>voice</c> with <c>instruct</c> is that preset with a style instruction (also a transient profile).
/// <c>timestamps: "word"</c> asks for the time of each word (in the task status once completed). <c>language</c> is an
/// ISO 639-1 code or <c>auto</c> (detected from the text, see <see cref="Submissions.RequestLanguage"/>); absent, the voice's.
/// The audio controls: <c>sample_rate</c>, <c>seed</c>, <c>optimize_streaming_latency</c>, <c>previous_text</c>/<c>next_text</c> (<see cref="Submissions.AudioControls"/>).
/// </summary>
public sealed record GenerateRequest(
    string? Text,
    string? Language,
    string? Voice,
    string? Format,
    string? CallbackUrl,
    float? Speed = null,
    string? Mode = null,
    string? Instruct = null,
    string? RefAudio = null,
    string? RefText = null,
    string? Consent = null,
    string? Timestamps = null,
    string? Model = null,
    int? SampleRate = null,
    long? Seed = null,
    int? OptimizeStreamingLatency = null,
    string? PreviousText = null,
    string? NextText = null);

/// <summary>The 202 answer to a generate request.</summary>
public sealed record TaskAccepted(Guid TaskId, string Status, string StatusUrl, IReadOnlyList<string>? Warnings = null);

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
    JsonElement? Error,
    IReadOnlyList<WordTimestampView>? Words = null,
    DateTimeOffset? ResultDeletedAt = null,
    DialogueView? Dialogue = null);

/// <summary>What a task asked for; <see cref="Model"/> is the pool it was routed to (a model <c>GET /api/v1/models</c> lists).</summary>
public sealed record TaskRequestSummary(string Kind, string Language, string Voice, string Format, int Characters, float Speed, string? CallbackUrl,
    string? Timestamps = null, string? Model = null);

/// <summary>
/// A word of the request's text and when it is spoken: <c>start</c>/<c>end</c> in seconds from the start of
/// the audio; <c>start_char</c>/<c>end_char</c> are Unicode code point offsets into the text (end exclusive). In a
/// dialogue, the text is the turn's, and <c>turn</c> (from 0) and <c>voice</c> say who speaks the word.
/// </summary>
public sealed record WordTimestampView(string Word, double Start, double End, int StartChar, int EndChar,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] int? Turn = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Voice = null);

/// <summary>
/// A task in a listing: no result link (ask the task itself for a fresh one). <c>text_preview</c> is the start of the
/// text (at most <see cref="Apis.TasksApi.PreviewCharacters"/> characters, null for a voice setup), <c>duration_seconds</c> the audio's length once completed.
/// </summary>
public sealed record TaskSummary(Guid TaskId, string Status, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, int Attempts, TaskRequestSummary Request,
    string? TextPreview = null, double? DurationSeconds = null);

public sealed record TaskList(IReadOnlyList<TaskSummary> Data, Guid? NextBefore);

public sealed record CancelAnswer(Guid TaskId, string Status, bool CancelRequested);

public sealed record TaskResultSummary(
    string Format, string ContentType, int SampleRate, double DurationSeconds, long Bytes, string? Engine, string? Model);

/// <summary>What a reference recording turned out to be.</summary>
public sealed record AudioAnalysis(
    string Container, int SampleRate, int Channels, double DurationSeconds, ReferenceQualityView Quality, IReadOnlyList<QualityIssueView> Problems);

/// <summary><c>GET /api/v1/tasks</c>'s filters and page.</summary>
public sealed record TaskListQuery(
    [FromQuery(Name = "status")] string? Status,
    [FromQuery(Name = "from")] DateTimeOffset? From,
    [FromQuery(Name = "to")] DateTimeOffset? To,
    [FromQuery(Name = "before")] Guid? Before,
    [FromQuery(Name = "limit")] int? Limit);

/// <summary>The signed result URL's query: the credential of an anonymous download.</summary>
public sealed record SignedResultLink(
    [FromQuery(Name = "tenant")] string? Tenant,
    [FromQuery(Name = "expires")] long? Expires,
    [FromQuery(Name = "signature")] string? Signature);
