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
using Voice.ApiService.Accounts;
using Voice.Core.Webhooks;
using Voice.Core.Voices;
using Voice.ApiService.Services;
using Voice.Speech.Engines;
using TaskStatus = Voice.ApiService.Model.TaskStatus;

namespace Voice.ApiService.Apis;

/// <summary>The asynchronous path: submit text, follow the task (status, list, live events), cancel it, download the audio.</summary>
public static partial class TasksApi
{
    public const int MaxGenerateBodyBytes = 14 * 1024 * 1024;
    public const float MinSpeed = 0.25f, MaxSpeed = 4f;
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
            .WithSummary("Download a result through the signed, expiring URL from the task status (ranges supported)");
        api.MapGet("/task/{id:guid}/audio", DownloadAudioAsync).RequireAuthorization(speech)
            .WithSummary("Download a completed task's audio with the API key (ranges supported)");
        api.MapDelete("/task/{id:guid}/audio", DeleteAudioAsync).RequireAuthorization(speech)
            .WithSummary("Delete a completed task's audio now (the task and its usage record stay)");
        return app;
    }

    public static async Task<Results<Accepted<TaskAccepted>, Ok<TaskAccepted>, ProblemHttpResult>> GenerateAsync(
        HttpContext context, JobSubmitter submitter, JobStore jobs, JobQueue queue, PlanCatalog plans, WebhookStore webhooks, SsrfGuard guard,
        VoiceStore voices, VoiceProfiles profiles, SpeechEngineDescriptor engine, AuditLog audit, TimeProvider clock, ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        string? idempotencyKey = context.Request.Headers["Idempotency-Key"];
        if (idempotencyKey is not null && (idempotencyKey.Length is 0 or > MaxIdempotencyKeyLength || idempotencyKey.Any(char.IsControl)))
        {
            return Problems.ValidationFailed(new() { ["Idempotency-Key"] = [$"1–{MaxIdempotencyKeyLength} printable characters."] });
        }
        // Large enough for an inline reference recording (10 MB as base64).
        var (request, problem) = await JsonBody.ReadAsync(context, ApiJsonContext.Default.GenerateRequest, cancellationToken, MaxGenerateBodyBytes);
        if (problem is not null)
        {
            return problem;
        }
        return await SubmitAsync(context, request!, idempotencyKey, submitter, jobs, queue, plans, webhooks, guard, voices, profiles, engine, audit, clock, loggers, cancellationToken);
    }

    /// <summary>
    /// Validates a speech request against the engine and the plan, resolves its voice, admits it against the
    /// plan's limits and queues it: the 202 (or the idempotent replay's 200), or the problem. Shared by the
    /// task API and the OpenAI-compatible route.
    /// </summary>
    internal static async Task<Results<Accepted<TaskAccepted>, Ok<TaskAccepted>, ProblemHttpResult>> SubmitAsync(
        HttpContext context, GenerateRequest request, string? idempotencyKey, JobSubmitter submitter, JobStore jobs, JobQueue queue, PlanCatalog plans,
        WebhookStore webhooks, SsrfGuard guard, VoiceStore voices, VoiceProfiles profiles, SpeechEngineDescriptor engine, AuditLog audit,
        TimeProvider clock, ILoggerFactory loggers, CancellationToken cancellationToken, bool stream = false)
    {
        var caller = context.Caller();
        var plan = await plans.GetAsync(caller.Plan, cancellationToken);
        var (errors, voice) = await ResolveVoiceAsync(request, caller, voices, profiles, audit, cancellationToken);
        var warnings = Validate(request, guard, engine, plan, voice.Language, errors, out string text, out string language, out string format, out float speed);
        if (request.CallbackUrl is not null && !errors.ContainsKey("callback_url") && !await webhooks.HasCallbackSecretAsync(caller.TenantId, cancellationToken))
        {
            errors["callback_url"] = ["Create a callback signing secret first: POST /api/v1/webhooks/callback-secret."];
        }
        if (errors.Count > 0)
        {
            return Problems.ValidationFailed(errors);
        }
        if (PlanRestriction(plan, engine, format, voice.Inline) is { } restricted)
        {
            return restricted;
        }

        using var activity = Activity.StartActivity("job.submit", ActivityKind.Producer);
        activity?.SetTag("voice.tenant_id", caller.TenantId);
        activity?.SetTag("voice.characters", text.Length);
        // An inline voice becomes a transient profile that lives as long as this request's job.
        VoiceProfile? transient = null;
        if (voice.Inline is { } inline)
        {
            var created = await profiles.CreateAsync(caller, inline, null, transient: true, cancellationToken, context.Connection.RemoteIpAddress?.ToString());
            if (created.Problem is not null)
            {
                return created.Problem;
            }
            transient = created.Voice!;
        }
        var spec = new JobSpec(text, language, transient?.Id.ToString() ?? voice.Key!, format, JobKinds.Speech, speed, stream, WantsWords(request));
        var newJob = new NewJob(caller.TenantId, spec, request.CallbackUrl, Admissions.For(plan, clock));
        int weight = plan.QueueWeight;
        Job job;
        try
        {
            if (idempotencyKey is null)
            {
                job = await submitter.SubmitAsync(newJob, weight);
            }
            else
            {
                var submitted = await jobs.CreateAsync(newJob, idempotencyKey, RequestHash(request, voice, text, language, format, speed, WantsWords(request)), cancellationToken);
                if (submitted.Refusal is { } refusal)
                {
                    throw new AdmissionRefusedException(refusal);
                }
                if (submitted.KeyConflict || submitted.Replayed)
                {
                    // The original request's job (and voice) stand; this one's transient voice is not needed.
                    if (transient is not null)
                    {
                        await profiles.DiscardAsync(transient, CancellationToken.None);
                    }
                    if (submitted.KeyConflict)
                    {
                        return Problems.Create(StatusCodes.Status409Conflict, Problems.IdempotencyConflict,
                            "This Idempotency-Key was used for a different request.", "Use a new key for a new request.");
                    }
                    context.Response.Headers["Idempotent-Replayed"] = "true";
                    return TypedResults.Ok(new TaskAccepted(submitted.Job!.Id, JobStatus.Queued, AbsoluteUrl(context, $"/api/v1/task/{submitted.Job.Id}"), warnings));
                }
                job = submitted.Job!;
                await EnqueueOrWithdrawAsync(job, weight, jobs, queue, cancellationToken);
            }
        }
        catch (QueueUnavailableException ex)
        {
            LogEnqueueFailed(loggers.CreateLogger(typeof(TasksApi)), ex);
            if (transient is not null)
            {
                await profiles.DiscardAsync(transient, CancellationToken.None);
            }
            return Problems.Create(StatusCodes.Status503ServiceUnavailable, Problems.QueueUnavailable,
                "The job queue is unavailable.", "Nothing was queued; retry shortly.");
        }
        catch (AdmissionRefusedException refused)
        {
            if (transient is not null)
            {
                await profiles.DiscardAsync(transient, CancellationToken.None);
            }
            return Admissions.Refused(context, refused.Refusal, plan, clock);
        }
        activity?.SetTag("voice.task_id", job.Id);
        ApiMetrics.JobsSubmitted.Add(1, new KeyValuePair<string, object?>("plan", plan.Id), new KeyValuePair<string, object?>("stream", stream));
        string statusUrl = AbsoluteUrl(context, $"/api/v1/task/{job.Id}");
        return TypedResults.Accepted(statusUrl, new TaskAccepted(job.Id, job.Status, statusUrl, warnings));
    }

    /// <summary>What the plan does not include: the output format, the deployment's engine, an inline voice's mode.</summary>
    private static ProblemHttpResult? PlanRestriction(PlanLimits plan, SpeechEngineDescriptor engine, string format, VoiceSource? inline)
    {
        if (!plan.Allows(plan.AllowedFormats, format))
        {
            return Admissions.Restricted(plan, "format", format, plan.AllowedFormats);
        }
        if (!plan.Allows(plan.AllowedEngines, engine.Name))
        {
            return Admissions.Restricted(plan, "engine", engine.Name, plan.AllowedEngines);
        }
        string? mode = inline switch { CloneSource => VoiceModes.Clone, DesignSource => VoiceModes.Design, _ => null };
        return mode is not null && !plan.Allows(plan.AllowedModes, mode) ? Admissions.Restricted(plan, "voice mode", mode, plan.AllowedModes) : null;
    }

    /// <summary>
    /// The voice a generate request names: a preset, one of the tenant's profiles, or an inline source (the
    /// seed's <c>mode: clone</c> / <c>mode: design</c> form). Another tenant's profile id reads as unknown.
    /// </summary>
    private sealed record RequestedVoice(string? Key, VoiceSource? Inline, string? Language, byte[]? InlineHash);

    private static async Task<(Dictionary<string, string[]> Errors, RequestedVoice Voice)> ResolveVoiceAsync(
        GenerateRequest request, CallerIdentity caller, VoiceStore voices, VoiceProfiles profiles, AuditLog audit, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        string? mode = request.Mode?.ToLowerInvariant();
        if (mode is VoiceModes.Clone or VoiceModes.Design)
        {
            if (request.Voice is not null)
            {
                errors["voice"] = [$"Give either 'voice' or the inline '{mode}' fields, not both."];
            }
            string language = request.Language ?? "en";
            VoiceSource source;
            byte[] hash;
            if (mode == VoiceModes.Design)
            {
                source = new DesignSource(request.Instruct ?? "", language);
                hash = SHA256.HashData(Encoding.UTF8.GetBytes("design\n" + request.Instruct));
            }
            else
            {
                byte[] audio = [];
                if (string.IsNullOrEmpty(request.RefAudio) || !TryDecodeBase64(request.RefAudio, out audio))
                {
                    errors["ref_audio"] = ["The reference recording is required, as base64 (optionally a data: URL)."];
                }
                source = new CloneSource(audio, request.RefText, request.Consent ?? "", language);
                hash = SHA256.HashData([.. SHA256.HashData(audio), .. Encoding.UTF8.GetBytes("clone\n" + request.RefText + "\n" + request.Consent)]);
            }
            foreach (var (field, messages) in profiles.Validate(source, null))
            {
                string key = field switch { "audio" => "ref_audio", "reference_text" => "ref_text", "description" => "instruct", _ => field };
                errors.TryAdd(key, messages);
            }
            return (errors, new RequestedVoice(null, source, null, hash));
        }
        if (mode is not (null or VoiceModes.Preset))
        {
            errors["mode"] = ["'clone' (with ref_audio and consent), 'design' (with instruct) or 'preset'."];
            return (errors, new RequestedVoice(PresetVoices.Default, null, null, null));
        }
        foreach (var (field, value) in new[] { ("ref_audio", request.RefAudio), ("ref_text", request.RefText), ("consent", request.Consent) })
        {
            if (value is not null)
            {
                errors[field] = ["Only used with mode 'clone'."];
            }
        }
        string name = request.Voice ?? PresetVoices.Default;
        if (!Guid.TryParse(name, out var voiceId))
        {
            if (PresetVoices.Find(name) is { } preset)
            {
                if (request.Instruct is not { } style)
                {
                    return (errors, new RequestedVoice(preset.Name, null, null, null));
                }
                // A preset with a style instruction: a transient voice for this request only.
                var source = new PresetSource(preset.Name, request.Language ?? "en", style);
                foreach (var (field, messages) in profiles.Validate(source, null))
                {
                    errors.TryAdd(field, messages);
                }
                return (errors, new RequestedVoice(null, source, null, SHA256.HashData(Encoding.UTF8.GetBytes($"preset\n{preset.Name}\n{style}"))));
            }
            errors["voice"] = [$"Unknown voice '{name}'. Use a voice id from GET /api/v1/voices or a preset: {string.Join(", ", PresetVoices.All.Select(v => v.Name))}."];
            return (errors, new RequestedVoice(name, null, null, null));
        }
        if (request.Instruct is not null)
        {
            errors["instruct"] = ["A style instruction shapes a preset voice (or, with mode 'design', describes one); your own voices keep theirs."];
        }
        var profile = await voices.GetAsync(caller.TenantId, voiceId, cancellationToken);
        if (profile is null)
        {
            await audit.RecordForeignAccessAsync(caller.TenantId, "voice", voiceId.ToString(), caller.Actor, cancellationToken);
            errors["voice"] = [$"Unknown voice '{voiceId}'."];
        }
        else if (profile.Status == VoiceStatus.Failed)
        {
            errors["voice"] = ["This voice could not be prepared and cannot speak; create it again from a better source."];
        }
        return (errors, new RequestedVoice(voiceId.ToString(), null, profile?.Language, null));
    }

    private static bool TryDecodeBase64(string value, out byte[] bytes)
    {
        int comma = value.StartsWith("data:", StringComparison.Ordinal) ? value.IndexOf(',', StringComparison.Ordinal) : -1;
        string payload = comma >= 0 ? value[(comma + 1)..] : value;
        bytes = new byte[payload.Length * 3 / 4 + 3];
        if (Convert.TryFromBase64String(payload, bytes, out int written))
        {
            bytes = bytes[..written];
            return written > 0;
        }
        bytes = [];
        return false;
    }

    private static async Task EnqueueOrWithdrawAsync(Job job, int weight, JobStore jobs, JobQueue queue, CancellationToken cancellationToken)
    {
        try
        {
            await queue.EnqueueAsync(job.Id, job.TenantId, weight, cancellationToken, live: job.Spec.Stream);
        }
        catch (Exception ex) when (RedisFaults.IsTransient(ex))
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
        var words = job is { Status: JobStatus.Completed, Spec.WordTimestamps: true } && await jobs.GetWordsAsync(caller.TenantId, job.Id, cancellationToken) is { } stored
            ? WordViews(job.Spec.Text, stored)
            : null;
        return TypedResults.Ok(new TaskStatus(job.Id, job.Status, job.CreatedAt, job.StartedAt, job.FinishedAt, job.Attempts,
            position, progress, job.CancelRequestedAt is not null, Summary(job), resultUrl, expiresAt, result, error, words, job.ResultDeletedAt));
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
        Guid id, string? tenant, long? expires, string? signature, HttpContext context,
        JobStore jobs, BlobStore blobs, ResultUrlSigner signer, CancellationToken cancellationToken)
    {
        // The signature is the credential: it binds tenant, task and expiry, so the tenant scope is trustworthy.
        if (!Guid.TryParseExact(tenant, "N", out var tenantId) || expires is null || !signer.Verify(tenantId, id, expires.Value, signature))
        {
            return Problems.Create(StatusCodes.Status403Forbidden, Problems.InvalidSignature,
                "The download link is invalid or has expired.", "Fetch the task status again for a fresh result_url.");
        }
        return await ServeAudioAsync(context, tenantId, id, await jobs.GetAsync(tenantId, id, cancellationToken), blobs, cancellationToken);
    }

    public static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> DownloadAudioAsync(
        Guid id, HttpContext context, JobStore jobs, BlobStore blobs, AuditLog audit, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        var job = await jobs.GetAsync(caller.TenantId, id, cancellationToken);
        if (job is null)
        {
            return await NotFoundAsync(caller, id, audit, cancellationToken);
        }
        return await ServeAudioAsync(context, caller.TenantId, id, job, blobs, cancellationToken);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAudioAsync(
        Guid id, HttpContext context, JobStore jobs, ResultRetention retention, AuditLog audit, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        if (await jobs.GetAsync(caller.TenantId, id, cancellationToken) is null)
        {
            return await NotFoundAsync(caller, id, audit, cancellationToken);
        }
        return await retention.DeleteAsync(caller.TenantId, id, caller.Actor, cancellationToken)
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

    private static TaskRequestSummary Summary(Job job) =>
        new(job.Spec.Kind, job.Spec.Language, job.Spec.Voice, job.Spec.Format, job.Spec.Text.Length, job.Spec.Speed, job.CallbackUrl,
            job.Spec.WordTimestamps ? WordTimestampsOption : null);

    /// <summary>Stored word timestamps as clients see them: each with its word, times in seconds.</summary>
    internal static List<WordTimestampView> WordViews(string text, IReadOnlyList<WordTimestamp> words) =>
        [.. WordTimestamps.Describe(text, words).Select(w => new WordTimestampView(w.Word, w.Start, w.End, w.StartChar, w.EndChar))];

    /// <summary>Checks the text, language, format, speed and callback against the plan and the engine; returns the engine's warnings.</summary>
    private static IReadOnlyList<string> Validate(GenerateRequest request, SsrfGuard guard, SpeechEngineDescriptor engine, PlanLimits plan, string? voiceLanguage,
        Dictionary<string, string[]> errors, out string text, out string language, out string format, out float speed)
    {
        text = request.Text?.Trim() ?? "";
        if (WantsWords(request) && text.Length > 0)
        {
            text = request.Text!; // kept as sent, so the words' character offsets index into the client's own text
        }
        int maxText = Math.Min(plan.MaxTextChars, engine.Capabilities.MaxTextLength);
        if (text.Length == 0)
        {
            errors["text"] = ["Text is required."];
        }
        else if (text.Length > maxText)
        {
            errors["text"] = [$"Text is {text.Length} characters; the '{plan.Id}' plan allows {maxText} per request."];
        }

        language = request.Language ?? voiceLanguage ?? "en";
        if (!engine.Capabilities.Languages.Contains(language))
        {
            errors["language"] = [$"Unknown language '{language}'. Supported: {string.Join(", ", engine.Capabilities.Languages)}."];
        }

        format = (request.Format ?? AudioFormats.Wav).ToLowerInvariant();
        if (!AudioFormats.IsKnown(format))
        {
            errors["format"] = [$"Unsupported format '{request.Format}'. Supported: {string.Join(", ", AudioFormats.All)}."];
        }
        else if (!AudioFormats.IsAvailable(format))
        {
            errors["format"] = [$"The '{format}' format is not available on this server."];
        }

        speed = request.Speed ?? 1f;
        if (!float.IsFinite(speed) || speed is < MinSpeed or > MaxSpeed)
        {
            errors["speed"] = [$"{MinSpeed}–{MaxSpeed} (1 is the voice's natural pace)."];
        }

        if (request.Timestamps is not null && !WantsWords(request) && !string.Equals(request.Timestamps, "none", StringComparison.OrdinalIgnoreCase))
        {
            errors["timestamps"] = ["'word' (the start and end of every word) or 'none'."];
        }
        else if (WantsWords(request) && !engine.Capabilities.WordTimestamps)
        {
            errors["timestamps"] = [$"The '{engine.Name}' engine cannot time words."];
        }

        if (request.CallbackUrl is not null && guard.CheckUrl(request.CallbackUrl) is { } callbackProblem)
        {
            errors["callback_url"] = [callbackProblem];
        }

        if (errors.ContainsKey("text") || errors.ContainsKey("language"))
        {
            return [];
        }
        var check = engine.CheckText(text, language);
        if (!check.Speakable)
        {
            errors["text"] = [.. check.Warnings];
        }
        // An engine without pace control speaks at its natural pace; say so rather than refuse (OpenAI clients send speed).
        return speed != 1f && !engine.Capabilities.SpeedControl
            ? [.. check.Warnings, $"The '{engine.Name}' engine has no pace control: speed {speed} is not applied."]
            : check.Warnings;
    }

    /// <summary>What "the same request" means for idempotency: the normalised fields (an inline voice by its content), not the body's bytes.</summary>
    private static byte[] RequestHash(GenerateRequest request, RequestedVoice voice, string text, string language, string format, float speed, bool words) =>
        SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new[]
        {
            text, language, voice.Key ?? Convert.ToHexString(voice.InlineHash ?? []), format, request.CallbackUrl ?? "",
            speed.ToString(CultureInfo.InvariantCulture), words ? WordTimestampsOption : "",
        })));

    /// <summary>The value of <c>timestamps</c> that asks for word timestamps.</summary>
    public const string WordTimestampsOption = "word";

    private static bool WantsWords(GenerateRequest request) => string.Equals(request.Timestamps, WordTimestampsOption, StringComparison.OrdinalIgnoreCase);

    private static string AbsoluteUrl(HttpContext context, string pathAndQuery) =>
        $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}{pathAndQuery}";

    [LoggerMessage(Level = LogLevel.Error, Message = "A submission could not be queued and was withdrawn")]
    private static partial void LogEnqueueFailed(ILogger logger, Exception exception);
}
