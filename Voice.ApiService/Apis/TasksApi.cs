using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using StackExchange.Redis;
using Voice.ApiService.Model;
using Voice.Audio.Encoding;
using Voice.ApiService.Security;
using Voice.Core.Audit;
using Voice.Core.Billing;
using Voice.Core.Crypto;
using Voice.Core.Jobs;
using Voice.Core.Storage;
using Voice.Core.Tenancy;
using Voice.Core.Webhooks;
using Voice.Speech.Engines;
using TaskStatus = Voice.ApiService.Model.TaskStatus;

namespace Voice.ApiService.Apis;

/// <summary>The asynchronous path: submit text, follow the task (status, list, live events), cancel it, download the audio.</summary>
public static partial class TasksApi
{
    public const int MaxTextCharacters = 5_000;
    public const int MaxIdempotencyKeyLength = 255;
    public static readonly TimeSpan ResultUrlLifetime = TimeSpan.FromHours(1);
    private static readonly string[] Statuses = [JobStatus.Queued, JobStatus.Running, JobStatus.Completed, JobStatus.Failed, JobStatus.Canceled];

    private static readonly ActivitySource Activity = new("Voice.Api");

    public static IEndpointRouteBuilder MapTasksApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Tasks");
        var speech = Policies.Scope(Scopes.SpeechWrite);

        api.MapPost("/voice/generate", GenerateAsync)
            .RequireAuthorization(speech)
            .Accepts<GenerateRequest>("application/json")
            .WithSummary("Queue text for speech synthesis")
            .WithDescription("Answers 202 with the task id and its status URL. With an Idempotency-Key header, a retry of the same request within 24 h answers 200 with the original task.");
        api.MapGet("/tasks", ListAsync).RequireAuthorization(speech).WithSummary("The tenant's tasks, newest first; filter by status and time, page with 'before'");
        api.MapGet("/task/{id:guid}", GetStatusAsync).RequireAuthorization(speech).WithSummary("A task's status, and its signed result URL once completed");
        api.MapDelete("/task/{id:guid}", CancelAsync).RequireAuthorization(speech)
            .WithSummary("Cancel a task: at once when queued, at the next chunk boundary when running");
        api.MapGet("/task/{id:guid}/events", EventsAsync).RequireAuthorization(speech)
            .WithSummary("Server-Sent Events: the task's state changes and progress until it finishes");
        api.MapGet("/task/{id:guid}/result", DownloadResultAsync).AllowAnonymous()
            .WithSummary("Download a result through the signed, expiring URL from the task status");
        return app;
    }

    public static async Task<Results<Accepted<TaskAccepted>, Ok<TaskAccepted>, ProblemHttpResult>> GenerateAsync(
        HttpContext context, JobSubmitter submitter, JobStore jobs, JobQueue queue, PlanCatalog plans, WebhookStore webhooks, SsrfGuard guard,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        string? idempotencyKey = context.Request.Headers["Idempotency-Key"];
        if (idempotencyKey is not null && (idempotencyKey.Length is 0 or > MaxIdempotencyKeyLength || idempotencyKey.Any(char.IsControl)))
        {
            return Problems.ValidationFailed(new() { ["Idempotency-Key"] = [$"1–{MaxIdempotencyKeyLength} printable characters."] });
        }
        var (request, problem) = await JsonBody.ReadAsync(context, ApiJsonContext.Default.GenerateRequest, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var caller = context.Caller();
        var errors = Validate(request!, guard, out var spec);
        if (request!.CallbackUrl is not null && !errors.ContainsKey("callback_url") && !await webhooks.HasCallbackSecretAsync(caller.TenantId, cancellationToken))
        {
            errors["callback_url"] = ["Create a callback signing secret first: POST /api/v1/webhooks/callback-secret."];
        }
        if (errors.Count > 0)
        {
            return Problems.ValidationFailed(errors);
        }

        using var activity = Activity.StartActivity("job.submit", ActivityKind.Producer);
        activity?.SetTag("voice.tenant_id", caller.TenantId);
        activity?.SetTag("voice.characters", spec!.Text.Length);
        int weight = await plans.QueueWeightAsync(caller.Plan, cancellationToken);
        Job job;
        try
        {
            if (idempotencyKey is null)
            {
                job = await submitter.SubmitAsync(new NewJob(caller.TenantId, spec!, request.CallbackUrl), weight);
            }
            else
            {
                var submitted = await jobs.CreateAsync(caller.TenantId, spec!, request.CallbackUrl, idempotencyKey, RequestHash(spec!, request.CallbackUrl), cancellationToken);
                if (submitted.KeyConflict)
                {
                    return Problems.Create(StatusCodes.Status409Conflict, Problems.IdempotencyConflict,
                        "This Idempotency-Key was used for a different request.", "Use a new key for a new request.");
                }
                job = submitted.Job!;
                if (submitted.Replayed)
                {
                    context.Response.Headers["Idempotent-Replayed"] = "true";
                    return TypedResults.Ok(new TaskAccepted(job.Id, JobStatus.Queued, AbsoluteUrl(context, $"/api/v1/task/{job.Id}")));
                }
                await EnqueueOrWithdrawAsync(job, weight, jobs, queue, cancellationToken);
            }
        }
        catch (QueueUnavailableException ex)
        {
            LogEnqueueFailed(loggers.CreateLogger(typeof(TasksApi)), ex);
            return Problems.Create(StatusCodes.Status503ServiceUnavailable, Problems.QueueUnavailable,
                "The job queue is unavailable.", "Nothing was queued; retry shortly.");
        }
        activity?.SetTag("voice.task_id", job.Id);
        string statusUrl = AbsoluteUrl(context, $"/api/v1/task/{job.Id}");
        return TypedResults.Accepted(statusUrl, new TaskAccepted(job.Id, job.Status, statusUrl));
    }

    private static async Task EnqueueOrWithdrawAsync(Job job, int weight, JobStore jobs, JobQueue queue, CancellationToken cancellationToken)
    {
        try
        {
            await queue.EnqueueAsync(job.Id, job.TenantId, weight, cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // The ledger row must not outlive a failed enqueue: the client is told nothing was queued.
            await jobs.DeleteQueuedAsync([job], CancellationToken.None);
            throw new QueueUnavailableException(ex);
        }
    }

    public static async Task<Results<Ok<TaskStatus>, ProblemHttpResult>> GetStatusAsync(
        Guid id, HttpContext context, JobStore jobs, JobQueue queue, JobEvents events, AuditLog audit, ResultUrlSigner signer, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        var job = await jobs.GetAsync(caller.TenantId, id, cancellationToken);
        if (job is null)
        {
            return await NotFoundAsync(caller, id, audit, cancellationToken);
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
            result = new TaskResultSummary(job.Spec.Format, AudioFormats.ContentType(job.Spec.Format), r.SampleRate,
                r.DurationMs / 1000.0, r.Bytes, job.Engine, job.Model);
        }
        long? position = job.Status == JobStatus.Queued ? await queue.PositionAsync(job.TenantId, job.Id) : null;
        double? progress = job.Status switch
        {
            JobStatus.Running => await events.GetProgressAsync(job.Id) ?? 0,
            JobStatus.Completed => 1,
            _ => null,
        };
        JsonElement? error = job.Error is null ? null : JsonDocument.Parse(job.Error).RootElement.Clone();
        return TypedResults.Ok(new TaskStatus(job.Id, job.Status, job.CreatedAt, job.StartedAt, job.FinishedAt, job.Attempts,
            position, progress, job.CancelRequestedAt is not null, Summary(job), resultUrl, expiresAt, result, error));
    }

    public static async Task<Results<Ok<TaskList>, ProblemHttpResult>> ListAsync(
        HttpContext context, JobStore jobs, string? status, DateTimeOffset? from, DateTimeOffset? to, Guid? before, int? limit, CancellationToken cancellationToken)
    {
        if (status is not null && !Statuses.Contains(status))
        {
            return Problems.ValidationFailed(new() { ["status"] = [$"One of: {string.Join(", ", Statuses)}."] });
        }
        int pageSize = Math.Clamp(limit ?? 50, 1, 200);
        var page = await jobs.ListAsync(context.Caller().TenantId, status, from, to, before, pageSize, cancellationToken);
        var data = page.Select(j => new TaskSummary(j.Id, j.Status, j.CreatedAt, j.StartedAt, j.FinishedAt, j.Attempts, Summary(j))).ToList();
        return TypedResults.Ok(new TaskList(data, page.Count == pageSize ? page[^1].Id : null));
    }

    public static async Task<Results<Ok<CancelAnswer>, Accepted<CancelAnswer>, ProblemHttpResult>> CancelAsync(
        Guid id, HttpContext context, JobStore jobs, JobEvents events, AuditLog audit, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        var (result, job) = await jobs.CancelAsync(caller.TenantId, id, cancellationToken);
        switch (result)
        {
            case CancelResult.Canceled:
                return TypedResults.Ok(new CancelAnswer(id, JobStatus.Canceled, true));
            case CancelResult.Requested:
                await events.RequestCancelAsync(id);
                return TypedResults.Accepted($"/api/v1/task/{id}", new CancelAnswer(id, job!.Status, true));
            case CancelResult.AlreadyFinished:
                return Problems.Create(StatusCodes.Status409Conflict, Problems.TaskFinished, "The task has already finished.",
                    $"It is {job!.Status}; only queued or running tasks can be canceled.");
            default:
                return await NotFoundAsync(caller, id, audit, cancellationToken);
        }
    }

    /// <summary>
    /// Server-Sent Events: the current state first, then every change and progress report, ending after the
    /// terminal event. Subscribes before reading the state, so no change can fall between the two.
    /// </summary>
    public static async Task<IResult> EventsAsync(Guid id, HttpContext context, JobStore jobs, JobEvents events, AuditLog audit, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        var subscription = await events.SubscribeAsync(id);
        try
        {
            var job = await jobs.GetAsync(caller.TenantId, id, cancellationToken);
            if (job is null)
            {
                return await NotFoundAsync(caller, id, audit, cancellationToken);
            }
            context.Response.Headers.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            context.Response.Headers["X-Accel-Buffering"] = "no";
            var current = TaskEvent.ForStatus(job, clock.GetUtcNow());
            await WriteEventAsync(context.Response, current, cancellationToken);
            if (current.IsTerminal)
            {
                return Results.Empty;
            }
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(TimeSpan.FromMinutes(10)); // clients reconnect; no stream lives forever
            while (!deadline.IsCancellationRequested)
            {
                using var keepAlive = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
                keepAlive.CancelAfter(TimeSpan.FromSeconds(15));
                ChannelMessage message;
                try
                {
                    message = await subscription.ReadAsync(keepAlive.Token);
                }
                catch (OperationCanceledException) when (!deadline.IsCancellationRequested)
                {
                    await context.Response.WriteAsync(": keep-alive\n\n", cancellationToken);
                    await context.Response.Body.FlushAsync(cancellationToken);
                    continue;
                }
                if (TaskEvent.FromJson(message.Message.ToString()) is not { } next)
                {
                    continue;
                }
                await WriteEventAsync(context.Response, next, cancellationToken);
                if (next.IsTerminal)
                {
                    break;
                }
            }
            return Results.Empty;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Results.Empty; // the client went away
        }
        finally
        {
            await subscription.UnsubscribeAsync();
        }
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
        return TypedResults.Stream(stream, AudioFormats.ContentType(job.Spec.Format), fileDownloadName: $"{job.Id}.{AudioFormats.Extension(job.Spec.Format)}");
    }

    private static async Task WriteEventAsync(HttpResponse response, TaskEvent taskEvent, CancellationToken cancellationToken)
    {
        await response.WriteAsync($"event: {taskEvent.Type}\ndata: {taskEvent.ToJson()}\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    /// <summary>404 exactly like a missing task; if the id is another tenant's, both audit logs note the attempt.</summary>
    private static async Task<ProblemHttpResult> NotFoundAsync(CallerIdentity caller, Guid id, AuditLog audit, CancellationToken cancellationToken)
    {
        await audit.RecordForeignAccessAsync(caller.TenantId, "task", id.ToString(), caller.Actor, cancellationToken);
        return Problems.TaskNotFound(id);
    }

    private static TaskRequestSummary Summary(Job job) =>
        new(job.Spec.Language, job.Spec.Voice, job.Spec.Format, job.Spec.Text.Length, job.CallbackUrl);

    private static Dictionary<string, string[]> Validate(GenerateRequest request, SsrfGuard guard, out JobSpec? spec)
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

        string format = (request.Format ?? AudioFormats.Wav).ToLowerInvariant();
        if (!AudioFormats.IsKnown(format))
        {
            errors["format"] = [$"Unsupported format '{request.Format}'. Supported: {string.Join(", ", AudioFormats.All)}."];
        }
        else if (!AudioFormats.IsAvailable(format))
        {
            errors["format"] = [$"The '{format}' format is not available on this server."];
        }

        if (request.CallbackUrl is not null && guard.CheckUrl(request.CallbackUrl) is { } callbackProblem)
        {
            errors["callback_url"] = [callbackProblem];
        }

        spec = errors.Count == 0 ? new JobSpec(text, language, preset!.Name, format) : null;
        return errors;
    }

    /// <summary>What "the same request" means for idempotency: the normalised fields, not the body's bytes.</summary>
    private static byte[] RequestHash(JobSpec spec, string? callbackUrl) =>
        SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new[] { spec.Text, spec.Language, spec.Voice, spec.Format, callbackUrl ?? "" })));


    private static string AbsoluteUrl(HttpContext context, string pathAndQuery) =>
        $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}{pathAndQuery}";

    [LoggerMessage(Level = LogLevel.Error, Message = "A submission could not be queued and was withdrawn")]
    private static partial void LogEnqueueFailed(ILogger logger, Exception exception);
}
