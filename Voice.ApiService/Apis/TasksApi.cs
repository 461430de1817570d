using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using StackExchange.Redis;
using Voice.ApiService.Accounts;
using Voice.ApiService.Model;
using Voice.ApiService.Security;
using Voice.ApiService.Services;
using Voice.ApiService.Submissions;
using Voice.Audio.Encoding;
using Voice.Core.Audit;
using Voice.Core.Jobs;
using Voice.Core.Storage;
using Voice.Core.Voices;
using Voice.Core.Webhooks;
using Voice.Speech.Engines;
using TaskStatus = Voice.ApiService.Model.TaskStatus;

namespace Voice.ApiService.Apis;

/// <summary>The asynchronous path: submit text, follow the task (status, list, live events), cancel it, download the audio.</summary>
public static class TasksApi
{
    public const int MaxGenerateBodyBytes = 14 * 1024 * 1024;
    public static readonly TimeSpan ResultUrlLifetime = TimeSpan.FromHours(1);
    public const int PreviewCharacters = 80;
    private static readonly string[] Statuses = [JobStatus.Queued, JobStatus.Running, JobStatus.Completed, JobStatus.Failed, JobStatus.Canceled];

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
            .WithSummary("Download a result through the signed, expiring URL from the task status (ranges supported)");
        api.MapGet("/task/{id:guid}/audio", DownloadAudioAsync).RequireAuthorization(speech)
            .WithSummary("Download a completed task's audio with the API key (ranges supported)");
        api.MapDelete("/task/{id:guid}/audio", DeleteAudioAsync).RequireAuthorization(speech)
            .WithSummary("Delete a completed task's audio now (the task and its usage record stay)");
        return app;
    }

    public static async Task<Results<Accepted<TaskAccepted>, Ok<TaskAccepted>, ProblemHttpResult>> GenerateAsync(
        HttpContext context, [AsParameters] SpeechServices services, CancellationToken cancellationToken)
    {
        var (idempotencyKey, badKey) = context.IdempotencyKey();
        if (badKey is not null)
        {
            return badKey;
        }
        // Large enough for an inline reference recording (10 MB as base64).
        var (request, problem) = await JsonBody.ReadAsync(context, ApiJsonContext.Default.GenerateRequest, cancellationToken, MaxGenerateBodyBytes);
        if (problem is not null)
        {
            return problem;
        }
        var caller = context.Caller();
        var (speech, invalid) = await services.Requests.ValidateAsync(caller, request!, context.ClientAddress(), cancellationToken);
        if (invalid is not null)
        {
            return invalid;
        }
        var outcome = await services.Submissions.SubmitAsync(caller, speech!, idempotencyKey, stream: false, cancellationToken);
        return outcome.ToResult(context);
    }

    public static async Task<Results<Ok<TaskStatus>, ProblemHttpResult>> GetStatusAsync(
        Guid id, HttpContext context, [AsParameters] TaskServices services, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        var job = await services.Jobs.GetAsync(caller.TenantId, id, cancellationToken);
        if (job is null)
        {
            return await NotFoundAsync(caller, id, services.Audit, cancellationToken);
        }
        job = (await services.Queue.WithClaimsAsync([job]))[0]; // a job a worker holds is running, though its ledger row says queued

        string? resultUrl = null;
        DateTimeOffset? expiresAt = null;
        TaskResultSummary? result = null;
        if (job.Status == JobStatus.Completed && job.Result is { } r)
        {
            var (expires, signature) = services.Signer.Sign(caller.TenantId, job.Id, ResultUrlLifetime);
            resultUrl = SubmissionHttp.AbsoluteUrl(context, string.Create(CultureInfo.InvariantCulture,
                $"/api/v1/task/{job.Id}/result?tenant={caller.TenantId:N}&expires={expires}&signature={signature}"));
            expiresAt = DateTimeOffset.FromUnixTimeSeconds(expires);
            result = new TaskResultSummary(job.Spec.Format, AudioFormats.ContentType(job.Spec.Format), r.SampleRate,
                r.DurationMs / 1000.0, r.Bytes, job.Engine, job.Model);
        }
        long? position = job is { Status: JobStatus.Queued, Pool: { } pool } ? await services.Queue.PositionAsync(pool, job.TenantId, job.Id) : null;
        double? progress = job.Status switch
        {
            JobStatus.Running => await services.Events.GetProgressAsync(job.Id) ?? 0,
            JobStatus.Completed => 1,
            _ => null,
        };
        JsonElement? error = job.Error is null ? null : JsonDocument.Parse(job.Error).RootElement.Clone();
        var dialogue = job.Spec.Dialogue;
        var words = job is { Status: JobStatus.Completed, Spec.WordTimestamps: true } && await services.Jobs.GetWordsAsync(caller.TenantId, job.Id, cancellationToken) is { } stored
            ? dialogue is null ? WordViews(job.Spec.Text, stored) : DialogueViews.Words(dialogue, job.Spec.Text, stored)
            : null;
        return TypedResults.Ok(new TaskStatus(job.Id, job.Status, job.CreatedAt, job.StartedAt, job.FinishedAt, job.Attempts,
            position, progress, job.CancelRequestedAt is not null, Summary(job), resultUrl, expiresAt, result, error, words, job.ResultDeletedAt,
            dialogue is null ? null : DialogueViews.Describe(dialogue, job.Spec.Text, job.Status == JobStatus.Completed ? job.Result : null)));
    }

    public static async Task<Results<Ok<TaskList>, ProblemHttpResult>> ListAsync(
        HttpContext context, [AsParameters] TaskListQuery query, JobStore jobs, JobQueue queue, CancellationToken cancellationToken)
    {
        if (query.Status is not null && !Statuses.Contains(query.Status))
        {
            return Problems.ValidationFailed(new() { ["status"] = [$"One of: {string.Join(", ", Statuses)}."] });
        }
        int pageSize = Math.Clamp(query.Limit ?? 50, 1, 200);
        // Running jobs are queued rows that a worker's claim (in Redis) holds: both filters read the queued rows.
        string? ledgerStatus = query.Status == JobStatus.Running ? JobStatus.Queued : query.Status;
        var page = await jobs.ListAsync(context.Caller().TenantId, ledgerStatus, query.From, query.To, query.Before, pageSize, cancellationToken);
        var shown = await queue.WithClaimsAsync(page);
        var data = shown.Where(j => query.Status is null || j.Status == query.Status).Select(j => new TaskSummary(j.Id, j.Status, j.CreatedAt, j.StartedAt, j.FinishedAt, j.Attempts, Summary(j),
            Preview(j.Spec.Text), j is { Status: JobStatus.Completed, Result: { } r } ? r.DurationMs / 1000.0 : null)).ToList();
        return TypedResults.Ok(new TaskList(data, page.Count == pageSize ? page[^1].Id : null));
    }

    public static async Task<Results<Ok<CancelAnswer>, Accepted<CancelAnswer>, ProblemHttpResult>> CancelAsync(
        Guid id, HttpContext context, [AsParameters] TaskServices services, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        var (result, job) = await services.Jobs.CancelAsync(caller.TenantId, id, services.Queue, cancellationToken);
        switch (result)
        {
            case CancelResult.Canceled:
                return TypedResults.Ok(new CancelAnswer(id, JobStatus.Canceled, true));
            case CancelResult.Requested:
                return TypedResults.Accepted($"/api/v1/task/{id}", new CancelAnswer(id, job!.Status, true));
            case CancelResult.AlreadyFinished:
                return Problems.Create(StatusCodes.Status409Conflict, Problems.TaskFinished, "The task has already finished.",
                    $"It is {job!.Status}; only queued or running tasks can be canceled.");
            default:
                return await NotFoundAsync(caller, id, services.Audit, cancellationToken);
        }
    }

    /// <summary>
    /// Server-Sent Events: the current state first, then every change and progress report, ending after the
    /// terminal event. Subscribes before reading the state, so no change can fall between the two.
    /// </summary>
    public static async Task<IResult> EventsAsync(Guid id, HttpContext context, [AsParameters] TaskServices services, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        var subscription = await services.Events.SubscribeAsync(id);
        try
        {
            var job = await services.Jobs.GetAsync(caller.TenantId, id, cancellationToken);
            if (job is null)
            {
                return await NotFoundAsync(caller, id, services.Audit, cancellationToken);
            }
            job = (await services.Queue.WithClaimsAsync([job]))[0];
            context.Response.Headers.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            context.Response.Headers["X-Accel-Buffering"] = "no";
            var current = TaskEvent.ForStatus(job, services.Clock.GetUtcNow());
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
        Guid id, [AsParameters] SignedResultLink link, HttpContext context, [AsParameters] TaskServices services, CancellationToken cancellationToken)
    {
        // The signature is the credential: it binds tenant, task and expiry, so the tenant scope is trustworthy.
        if (!Guid.TryParseExact(link.Tenant, "N", out var tenantId) || link.Expires is not { } expires || !services.Signer.Verify(tenantId, id, expires, link.Signature))
        {
            return Problems.Create(StatusCodes.Status403Forbidden, Problems.InvalidSignature,
                "The download link is invalid or has expired.", "Fetch the task status again for a fresh result_url.");
        }
        return await ServeAudioAsync(context, tenantId, id, await services.Jobs.GetAsync(tenantId, id, cancellationToken), services.Blobs, cancellationToken);
    }

    public static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> DownloadAudioAsync(
        Guid id, HttpContext context, [AsParameters] TaskServices services, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        var job = await services.Jobs.GetAsync(caller.TenantId, id, cancellationToken);
        if (job is null)
        {
            return await NotFoundAsync(caller, id, services.Audit, cancellationToken);
        }
        return await ServeAudioAsync(context, caller.TenantId, id, job, services.Blobs, cancellationToken);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAudioAsync(
        Guid id, HttpContext context, [AsParameters] TaskServices services, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        if (await services.Jobs.GetAsync(caller.TenantId, id, cancellationToken) is null)
        {
            return await NotFoundAsync(caller, id, services.Audit, cancellationToken);
        }
        return await services.Retention.DeleteAsync(caller.TenantId, id, caller.Actor, cancellationToken)
            ? TypedResults.NoContent()
            : Problems.Create(StatusCodes.Status404NotFound, Problems.NotFound, "The task has no stored audio.", "It did not complete, or its audio was deleted already.");
    }

    /// <summary>
    /// A completed task's audio, decrypted as it streams, with its length and byte ranges (only the segments a
    /// range touches are decrypted), never cached by shared caches.
    /// </summary>
    private static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> ServeAudioAsync(
        HttpContext context, Guid tenantId, Guid id, Job? job, BlobStore blobs, CancellationToken cancellationToken)
    {
        if (job?.Result is not { } result || job.Status != JobStatus.Completed)
        {
            return Problems.TaskNotFound(id);
        }
        // Undecryptable objects become the stored-object-unreadable problem (StoredObjectErrors).
        var stream = await blobs.OpenReadAsync(tenantId, result.BlobPath, cancellationToken);
        if (stream is null)
        {
            return Problems.TaskNotFound(id);
        }
        context.Response.Headers.CacheControl = "private, max-age=3600";
        return TypedResults.Stream(stream, AudioFormats.ContentType(job.Spec.Format), fileDownloadName: $"{job.Id}.{AudioFormats.Extension(job.Spec.Format)}",
            enableRangeProcessing: true);
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

    /// <summary>The start of a text for a listing: bounded, never cutting a surrogate pair; null when there is none (a voice setup).</summary>
    internal static string? Preview(string text)
    {
        if (text.Length == 0)
        {
            return null;
        }
        if (text.Length <= PreviewCharacters)
        {
            return text;
        }
        int end = char.IsHighSurrogate(text[PreviewCharacters - 1]) ? PreviewCharacters - 1 : PreviewCharacters;
        return string.Concat(text.AsSpan(0, end).TrimEnd(), "…");
    }

    private static TaskRequestSummary Summary(Job job) =>
        new(job.Spec.Kind, job.Spec.Language, job.Spec.Voice, job.Spec.Format, job.Spec.Text.Length, job.Spec.Speed, job.CallbackUrl,
            job.Spec.WordTimestamps ? GenerateValidation.WordTimestampsOption : null, job.Pool);

    /// <summary>Stored word timestamps as clients see them: each with its word, times in seconds.</summary>
    internal static List<WordTimestampView> WordViews(string text, IReadOnlyList<WordTimestamp> words) =>
        [.. WordTimestamps.Describe(text, words).Select(w => new WordTimestampView(w.Word, w.Start, w.End, w.StartChar, w.EndChar))];
}
