using System.Text.Json;
using System.Text.Json.Serialization;

namespace Voice.ApiService.Model;

/// <summary><c>POST /api/v1/voice/generate</c> body.</summary>
public sealed record GenerateRequest(
    [property: JsonPropertyName("text")] string? Text,
    [property: JsonPropertyName("language")] string? Language,
    [property: JsonPropertyName("voice")] string? Voice,
    [property: JsonPropertyName("format")] string? Format);

/// <summary>The 202 answer to a generate request.</summary>
public sealed record TaskAccepted(
    [property: JsonPropertyName("task_id")] Guid TaskId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("status_url")] string StatusUrl);

/// <summary><c>GET /api/v1/task/{id}</c>.</summary>
public sealed record TaskStatus(
    [property: JsonPropertyName("task_id")] Guid TaskId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("started_at")] DateTimeOffset? StartedAt,
    [property: JsonPropertyName("finished_at")] DateTimeOffset? FinishedAt,
    [property: JsonPropertyName("attempts")] int Attempts,
    [property: JsonPropertyName("request")] TaskRequestSummary Request,
    [property: JsonPropertyName("result_url")] string? ResultUrl,
    [property: JsonPropertyName("result_expires_at")] DateTimeOffset? ResultExpiresAt,
    [property: JsonPropertyName("result")] TaskResultSummary? Result,
    [property: JsonPropertyName("error")] JsonElement? Error);

public sealed record TaskRequestSummary(
    [property: JsonPropertyName("language")] string Language,
    [property: JsonPropertyName("voice")] string Voice,
    [property: JsonPropertyName("format")] string Format,
    [property: JsonPropertyName("characters")] int Characters);

public sealed record TaskResultSummary(
    [property: JsonPropertyName("format")] string Format,
    [property: JsonPropertyName("content_type")] string ContentType,
    [property: JsonPropertyName("sample_rate")] int SampleRate,
    [property: JsonPropertyName("duration_seconds")] double DurationSeconds,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("engine")] string? Engine,
    [property: JsonPropertyName("model")] string? Model);

public sealed record VoiceSummary(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("gender")] string Gender,
    [property: JsonPropertyName("description")] string Description,
    [property: JsonPropertyName("languages")] IReadOnlyList<string> Languages);

public sealed record VoiceList(
    [property: JsonPropertyName("data")] IReadOnlyList<VoiceSummary> Data);

[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(GenerateRequest))]
[JsonSerializable(typeof(TaskAccepted))]
[JsonSerializable(typeof(TaskStatus))]
[JsonSerializable(typeof(VoiceList))]
public sealed partial class ApiJsonContext : JsonSerializerContext;
