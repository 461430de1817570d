using System.Text.Json;
using System.Text.Json.Serialization;

namespace Voice.Core.Jobs;

/// <summary>
/// Something that happened to a task, as clients see it: on the live event stream (SSE) and in webhook
/// bodies. <see cref="Type"/> is <c>task.queued</c>, <c>task.running</c>, <c>task.progress</c>,
/// <c>task.completed</c>, <c>task.failed</c> or <c>task.canceled</c>.
/// </summary>
public sealed record TaskEvent(
    string Type,
    Guid TaskId,
    string Status,
    DateTimeOffset At,
    double? Progress = null,
    JsonElement? Error = null,
    TaskEventResult? Result = null)
{
    public const string Queued = "task.queued";
    public const string Running = "task.running";
    public const string ProgressMade = "task.progress";
    public const string Completed = "task.completed";
    public const string Failed = "task.failed";
    public const string Canceled = "task.canceled";

    /// <summary>The events a webhook can subscribe to.</summary>
    public static readonly IReadOnlyList<string> Deliverable = [Completed, Failed, Canceled];

    public bool IsTerminal => Type is Completed or Failed or Canceled;

    public string ToJson() => JsonSerializer.Serialize(this, TaskEventJson.Default.TaskEvent);

    public static TaskEvent? FromJson(string json) => JsonSerializer.Deserialize(json, TaskEventJson.Default.TaskEvent);

    public static TaskEvent ForStatus(Job job, DateTimeOffset at) => new(
        job.Status switch
        {
            JobStatus.Queued => Queued,
            JobStatus.Running => Running,
            JobStatus.Completed => Completed,
            JobStatus.Failed => Failed,
            _ => Canceled,
        },
        job.Id,
        job.Status,
        at,
        Error: job.Error is null ? null : JsonDocument.Parse(job.Error).RootElement.Clone(),
        Result: job.Result is { } r ? new TaskEventResult(job.Spec.Format, r.SampleRate, r.DurationMs / 1000.0, r.Bytes, job.Engine, job.Model) : null);
}

public sealed record TaskEventResult(string Format, int SampleRate, double DurationSeconds, long Bytes, string? Engine, string? Model);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TaskEvent))]
internal sealed partial class TaskEventJson : JsonSerializerContext;
