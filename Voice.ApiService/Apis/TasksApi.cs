using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using StackExchange.Redis;
using Voice.ApiService.Model;
using Voice.ApiService.Security;
using Voice.Core.Audit;
using Voice.Core.Crypto;
using Voice.Core.Jobs;
using Voice.Core.Storage;
using Voice.Core.Tenancy;
using Voice.Speech.Engines;
using TaskStatus = Voice.ApiService.Model.TaskStatus;

namespace Voice.ApiService.Apis;

/// <summary>The asynchronous path: submit text, follow the task, download the audio.</summary>
public static partial class TasksApi
{
    public const int MaxTextCharacters = 5_000;
    public static readonly TimeSpan ResultUrlLifetime = TimeSpan.FromHours(1);
    public static readonly IReadOnlyList<string> SupportedFormats = ["wav"];

    private static readonly ActivitySource Activity = new("Voice.Api");

    public static IEndpointRouteBuilder MapTasksApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Tasks");

        api.MapPost("/voice/generate", GenerateAsync)
            .RequireAuthorization(Policies.Scope(Scopes.SpeechWrite))
            .Accepts<GenerateRequest>("application/json")
            .WithSummary("Queue text for speech synthesis")
            .WithDescription("Answers 202 with the task id and its status URL; the audio is made asynchronously.");

        api.MapGet("/task/{id:guid}", GetStatusAsync)
            .RequireAuthorization(Policies.Scope(Scopes.SpeechWrite))
            .WithSummary("A task's status, and its signed result URL once completed");

        api.MapGet("/task/{id:guid}/result", DownloadResultAsync)
            .AllowAnonymous()
            .WithSummary("Download a result through the signed, expiring URL from the task status");

        return app;
    }

    public static async Task<Results<Accepted<TaskAccepted>, ProblemHttpResult>> GenerateAsync(
        HttpContext context, JobStore jobs, JobQueue queue, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var (request, problem) = await JsonBody.ReadAsync(context, ApiJsonContext.Default.GenerateRequest, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var errors = Validate(request!, out var spec);
        if (errors.Count > 0)
        {
            return Problems.ValidationFailed(errors);
        }

        var caller = context.Caller();
        using var activity = Activity.StartActivity("job.submit", ActivityKind.Producer);
        var job = await jobs.CreateAsync(caller.TenantId, spec!, cancellationToken);
        activity?.SetTag("voice.task_id", job.Id);
        activity?.SetTag("voice.tenant_id", caller.TenantId);
        activity?.SetTag("voice.characters", spec!.Text.Length);
        try
        {
            await queue.EnqueueAsync(job.Id, caller.TenantId, cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // The ledger row must not outlive a failed enqueue: nothing would ever run it.
            await jobs.DeleteQueuedAsync(caller.TenantId, job.Id, CancellationToken.None);
            LogEnqueueFailed(loggers.CreateLogger(typeof(TasksApi)), job.Id, ex);
            return Problems.Create(StatusCodes.Status503ServiceUnavailable, Problems.QueueUnavailable,
                "The job queue is unavailable.", "Nothing was queued; retry shortly.");
        }

        string statusUrl = AbsoluteUrl(context, $"/api/v1/task/{job.Id}");
        return TypedResults.Accepted(statusUrl, new TaskAccepted(job.Id, job.Status, statusUrl));
    }

    public static async Task<Results<Ok<TaskStatus>, ProblemHttpResult>> GetStatusAsync(
        Guid id, HttpContext context, JobStore jobs, AuditLog audit, ResultUrlSigner signer, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        var job = await jobs.GetAsync(caller.TenantId, id, cancellationToken);
        if (job is null)
        {
            await audit.RecordForeignAccessAsync(caller.TenantId, "task", id.ToString(), caller.Actor, cancellationToken);
            return Problems.TaskNotFound(id);
        }

        string? resultUrl = null;
        DateTimeOffset? expiresAt = null;
        TaskResultSummary? result = null;
        if (job.Status == JobStatus.Completed && job.Result is { } r)
        {
            var (expires, signature) = signer.Sign(caller.TenantId, job.Id, ResultUrlLifetime);
            resultUrl = AbsoluteUrl(context, string.Create(CultureInfo.InvariantCulture,
                $"/api/v1/task/{job.Id}/result?tenant={caller.TenantId:N}&expires={expires}&signature={signature}"));
            expiresAt = DateTimeOffset.FromUnixTimeSeconds(expires);
            result = new TaskResultSummary(job.Spec.Format, ContentTypeOf(job.Spec.Format), r.SampleRate,
                r.DurationMs / 1000.0, r.Bytes, job.Engine, job.Model);
        }

        JsonElement? error = job.Error is null ? null : JsonDocument.Parse(job.Error).RootElement.Clone();
        var summary = new TaskRequestSummary(job.Spec.Language, job.Spec.Voice, job.Spec.Format, job.Spec.Text.Length);
        return TypedResults.Ok(new TaskStatus(job.Id, job.Status, job.CreatedAt, job.StartedAt, job.FinishedAt,
            job.Attempts, summary, resultUrl, expiresAt, result, error));
    }

    public static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> DownloadResultAsync(
        Guid id, string? tenant, long? expires, string? signature,
        JobStore jobs, BlobStore blobs, ResultUrlSigner signer, CancellationToken cancellationToken)
    {
        // The signature is the credential: it binds tenant, task and expiry, so the tenant scope is trustworthy.
        if (!Guid.TryParseExact(tenant, "N", out var tenantId) || expires is null || !signer.Verify(tenantId, id, expires.Value, signature))
        {
            return Problems.Create(StatusCodes.Status403Forbidden, Problems.InvalidSignature,
                "The download link is invalid or has expired.", "Fetch the task status again for a fresh result_url.");
        }
        var job = await jobs.GetAsync(tenantId, id, cancellationToken);
        if (job?.Result is not { } result || job.Status != JobStatus.Completed)
        {
            return Problems.TaskNotFound(id);
        }
        var stream = await blobs.OpenReadAsync(tenantId, result.BlobPath, cancellationToken);
        if (stream is null)
        {
            return Problems.TaskNotFound(id);
        }
        return TypedResults.Stream(stream, ContentTypeOf(job.Spec.Format), fileDownloadName: $"{job.Id}.{job.Spec.Format}");
    }

    private static Dictionary<string, string[]> Validate(GenerateRequest request, out JobSpec? spec)
    {
        var errors = new Dictionary<string, string[]>();
        string text = request.Text?.Trim() ?? "";
        if (text.Length == 0)
        {
            errors["text"] = ["Text is required."];
        }
        else if (text.Length > MaxTextCharacters)
        {
            errors["text"] = [$"Text is {text.Length} characters; the limit is {MaxTextCharacters}."];
        }

        string language = request.Language ?? "en";
        if (!SpeechLanguages.IsKnown(language))
        {
            errors["language"] = [$"Unknown language '{language}'. Supported: {string.Join(", ", SpeechLanguages.All)}."];
        }

        string voice = request.Voice ?? PresetVoices.Default;
        var preset = PresetVoices.Find(voice);
        if (preset is null)
        {
            errors["voice"] = [$"Unknown voice '{voice}'. Presets: {string.Join(", ", PresetVoices.All.Select(v => v.Name))}."];
        }

        string format = (request.Format ?? "wav").ToLowerInvariant();
        if (!SupportedFormats.Contains(format))
        {
            errors["format"] = [$"Unsupported format '{request.Format}'. Supported: {string.Join(", ", SupportedFormats)}."];
        }

        spec = errors.Count == 0 ? new JobSpec(text, language, preset!.Name, format) : null;
        return errors;
    }

    private static string ContentTypeOf(string format) => format switch
    {
        "wav" => "audio/wav",
        _ => "application/octet-stream",
    };

    private static string AbsoluteUrl(HttpContext context, string pathAndQuery) =>
        $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}{pathAndQuery}";

    [LoggerMessage(Level = LogLevel.Error, Message = "Enqueue of job {JobId} failed; the job was withdrawn")]
    private static partial void LogEnqueueFailed(ILogger logger, Guid jobId, Exception exception);
}
