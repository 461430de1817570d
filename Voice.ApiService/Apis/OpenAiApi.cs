using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using StackExchange.Redis;
using Voice.ApiService.Model;
using Voice.ApiService.Security;
using Voice.ApiService.Services;
using Voice.Audio.Encoding;
using Voice.Core.Audit;
using Voice.Core.Billing;
using Voice.Core.Jobs;
using Voice.Core.Storage;
using Voice.Core.Tenancy;
using Voice.Core.Voices;
using Voice.Core.Webhooks;
using Voice.Speech.Engines;

namespace Voice.ApiService.Apis;

/// <summary>
/// OpenAI's speech dialect (<c>POST /v1/audio/speech</c>, <c>GET /v1/models</c>, <c>GET /v1/audio/voices</c>),
/// so clients written for it work by changing their base URL. A speech request is an ordinary job — the same
/// validation, plan limits, quotas, usage record and traces — marked to stream: the worker publishes its audio
/// chunk by chunk and the request relays it as it comes; a client that goes away cancels the job. Errors on
/// these routes take OpenAI's shape
/// (<see cref="OpenAiErrors"/>).
/// </summary>
public static class OpenAiApi
{
    /// <summary>Model names clients send; all are served by the deployment's engine.</summary>
    public static readonly IReadOnlyList<string> Models = ["tts-1", "tts-1-hd", "gpt-4o-mini-tts"];

    private static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(5);
    private const int MaxBodyBytes = 256 * 1024;

    public static IEndpointRouteBuilder MapOpenAiApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1").WithTags("OpenAI-compatible");
        group.MapPost("/audio/speech", SpeechAsync).RequireAuthorization(Policies.Scope(Scopes.SpeechWrite))
            .Accepts<OpenAiSpeechRequest>("application/json")
            .WithSummary("OpenAI's speech endpoint: the audio of `input` in `voice` (a preset or a voice id), as `response_format`");
        group.MapGet("/models", ListModels).RequireAuthorization().WithSummary("The speech models (OpenAI's list shape)");
        group.MapGet("/audio/voices", ListVoicesAsync).RequireAuthorization().WithSummary("The presets and the tenant's ready voices");
        return app;
    }

    public static async Task SpeechAsync(
        HttpContext context, JobSubmitter submitter, JobStore jobs, JobQueue queue, JobEvents events, PlanCatalog plans, WebhookStore webhooks,
        SsrfGuard guard, VoiceStore voices, VoiceProfiles profiles, SpeechEngineDescriptor engine, AuditLog audit, BlobStore blobs, SpeechStreams streams,
        TimeProvider clock, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        long arrived = Stopwatch.GetTimestamp();
        var (request, problem) = await JsonBody.ReadAsync(context, ApiJsonContext.Default.OpenAiSpeechRequest, cancellationToken, MaxBodyBytes);
        if (problem is not null)
        {
            await problem.ExecuteAsync(context);
            return;
        }
        var errors = new Dictionary<string, string[]>();
        if (request!.Model is null || !Models.Contains(request.Model, StringComparer.Ordinal) && request.Model != engine.Name)
        {
            errors["model"] = [$"One of {string.Join(", ", Models)} (all served by the '{engine.Name}' engine)."];
        }
        if (string.IsNullOrWhiteSpace(request.Voice))
        {
            errors["voice"] = ["A preset name (alloy, ash, …) or one of your voice ids."];
        }
        if (request.StreamFormat is not (null or "audio"))
        {
            errors["stream_format"] = ["Only 'audio' is served so far."];
        }
        if (request.Instructions is not null)
        {
            errors["instructions"] = ["Not supported: design a voice (POST /api/v1/voices with a description) and pass its id as voice."];
        }
        if (errors.Count > 0)
        {
            await Problems.ValidationFailed(errors).ExecuteAsync(context);
            return;
        }

        var generate = new GenerateRequest(request.Input, null, request.Voice, request.ResponseFormat ?? AudioFormats.Mp3, null, request.Speed);
        var submitted = await TasksApi.SubmitAsync(context, generate, null, submitter, jobs, queue, plans, webhooks, guard, voices, profiles, engine,
            audit, clock, loggers, cancellationToken, stream: true);
        if (submitted.Result is not Accepted<TaskAccepted> { Value: { } accepted })
        {
            await ((IResult)submitted.Result).ExecuteAsync(context);
            return;
        }

        var caller = context.Caller();
        bool finished = false;
        try
        {
            finished = await RelayAsync(context, caller.TenantId, accepted.TaskId, jobs, streams, blobs, arrived);
        }
        finally
        {
            ApiMetrics.SpeechStreams.Add(1, new KeyValuePair<string, object?>("outcome", finished ? "finished" : "abandoned"));
            if (!finished)
            {
                // The client went away, or the wait ran out: nobody will hear this job, so it stops.
                var (result, _) = await jobs.CancelAsync(caller.TenantId, accepted.TaskId, CancellationToken.None);
                if (result == CancelResult.Requested)
                {
                    await events.RequestCancelAsync(accepted.TaskId);
                }
                if (!context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted)
                {
                    await Problems.Create(StatusCodes.Status504GatewayTimeout, Problems.Internal, "The speech took too long.",
                        "The request was canceled; try a shorter input.").ExecuteAsync(context);
                }
            }
        }
    }

    /// <summary>
    /// Relays the job's audio from its speech stream as the worker publishes it: the headers go out with the
    /// first chunk, each chunk is flushed at once, the end entry ends the response. True when the job ended
    /// (whatever its outcome), false when the client left or <see cref="MaxWait"/> passed first.
    /// </summary>
    private static async Task<bool> RelayAsync(HttpContext context, Guid tenantId, Guid jobId, JobStore jobs, SpeechStreams streams, BlobStore blobs, long arrived)
    {
        var response = context.Response;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline.CancelAfter(MaxWait);
        var announcements = await streams.SubscribeAsync(jobId);
        try
        {
            RedisValue after = "0-0";
            int? epoch = null;
            bool started = false;
            while (true)
            {
                var entries = await streams.ReadAsync(jobId, after, 64);
                foreach (var entry in entries)
                {
                    after = entry.Id;
                    if (epoch != entry.Epoch)
                    {
                        if (started)
                        {
                            context.Abort(); // a retry starts over; its audio cannot be spliced onto what was sent
                            return true;
                        }
                        epoch = entry.Epoch;
                    }
                    if (entry.IsEnd)
                    {
                        if (!started)
                        {
                            await AnswerFinishedAsync(context, tenantId, jobId, jobs, blobs);
                        }
                        return true;
                    }
                    if (!started)
                    {
                        var job = await jobs.GetAsync(tenantId, jobId, CancellationToken.None);
                        response.ContentType = AudioFormats.ContentType(job!.Spec.Format);
                        response.Headers["X-Task-Id"] = jobId.ToString();
                        response.Headers.CacheControl = "no-store";
                        started = true;
                        ApiMetrics.SpeechFirstAudio.Record(Stopwatch.GetElapsedTime(arrived).TotalSeconds);
                    }
                    await response.Body.WriteAsync(entry.Audio, deadline.Token);
                    await response.Body.FlushAsync(deadline.Token);
                }
                if (entries.Count > 0)
                {
                    continue;
                }
                // Nothing new: wait for an announcement, and look at the ledger now and then in case the job ended
                // without a stream (its worker could not publish).
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
                tick.CancelAfter(TimeSpan.FromSeconds(2));
                try
                {
                    await announcements.ReadAsync(tick.Token);
                }
                catch (OperationCanceledException) when (!deadline.IsCancellationRequested)
                {
                    var job = await jobs.GetAsync(tenantId, jobId, CancellationToken.None);
                    if (job is null || job.Status is not (JobStatus.Queued or JobStatus.Running))
                    {
                        if ((await streams.ReadAsync(jobId, after, 1)).Count > 0)
                        {
                            continue; // it did publish, just now
                        }
                        if (started)
                        {
                            context.Abort();
                        }
                        else
                        {
                            await AnswerFinishedAsync(context, tenantId, jobId, jobs, blobs);
                        }
                        return true;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return false;
        }
        finally
        {
            await announcements.UnsubscribeAsync();
        }
    }

    /// <summary>A finished job that streamed nothing: its stored audio, or its error.</summary>
    private static async Task AnswerFinishedAsync(HttpContext context, Guid tenantId, Guid jobId, JobStore jobs, BlobStore blobs)
    {
        var job = await jobs.GetAsync(tenantId, jobId, CancellationToken.None);
        if (job is { Status: JobStatus.Completed, Result: { } audio } && await blobs.OpenReadAsync(tenantId, audio.BlobPath, CancellationToken.None) is { } stream)
        {
            await using (stream)
            {
                context.Response.ContentType = AudioFormats.ContentType(job.Spec.Format);
                context.Response.ContentLength = audio.Bytes;
                context.Response.Headers["X-Task-Id"] = jobId.ToString();
                await stream.CopyToAsync(context.Response.Body, context.RequestAborted);
            }
            return;
        }
        string detail = job?.Error is { } error && JsonNode.Parse(error)?["detail"]?.GetValue<string>() is { } d ? d : $"The speech job ended {job?.Status}.";
        await Problems.Create(StatusCodes.Status500InternalServerError, Problems.Internal, "The speech could not be made.", detail).ExecuteAsync(context);
    }

    public static Ok<OpenAiModelList> ListModels(SpeechEngineDescriptor engine) =>
        TypedResults.Ok(new OpenAiModelList("list", [.. Models.Select(m => new OpenAiModel(m, "model", 1_735_689_600, $"voice:{engine.Name}"))]));

    public static async Task<Ok<OpenAiVoiceList>> ListVoicesAsync(HttpContext context, VoiceStore voices, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        var own = await voices.ListAsync(caller.TenantId, null, 100, cancellationToken);
        var data = PresetVoices.All.Select(p => new OpenAiVoice(p.Name, p.Name, "preset", p.Description))
            .Concat(own.Where(v => v.Status == VoiceStatus.Ready).Select(v => new OpenAiVoice(v.Id.ToString(), v.Name, v.Mode, v.Description)));
        return TypedResults.Ok(new OpenAiVoiceList("list", [.. data]));
    }
}
