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
using Voice.ApiService.Accounts;
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
        if (request.StreamFormat is not (null or "audio" or "sse"))
        {
            errors["stream_format"] = ["'audio' (the audio itself, chunked) or 'sse' (speech.audio.delta events)."];
        }
        else if (string.Equals(request.Timestamps, TasksApi.WordTimestampsOption, StringComparison.OrdinalIgnoreCase) && request.StreamFormat != "sse")
        {
            errors["timestamps"] = ["Word timestamps come as speech.audio.timestamps events: set stream_format to 'sse' (or use POST /api/v1/voice/generate)."];
        }
        // Instructions style a preset: the preset's speaker with the instruction where the engine follows one
        // (Qwen3-TTS CustomVoice 1.7B), else a voice designed from both (for this request only).
        if (!string.IsNullOrWhiteSpace(request.Instructions) && !errors.ContainsKey("voice") && PresetVoices.Find(request.Voice!) is null)
        {
            errors["instructions"] = ["Instructions shape a preset voice; for your own voices, design a new one (POST /api/v1/voices)."];
        }
        if (errors.Count > 0)
        {
            await Problems.ValidationFailed(errors).ExecuteAsync(context);
            return;
        }

        var generate = new GenerateRequest(request.Input, null, request.Voice, request.ResponseFormat ?? AudioFormats.Mp3, null, request.Speed,
            Instruct: string.IsNullOrWhiteSpace(request.Instructions) ? null : request.Instructions.Trim(), Timestamps: request.Timestamps);
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
            // The format as the submission validated it (lower case), so the first chunk needs no look at the ledger.
            string format = generate.Format!.ToLowerInvariant();
            SpeechSink sink = request.StreamFormat == "sse"
                ? new SseSink(context.Response, format, accepted.TaskId, request.Input!)
                : new AudioSink(context.Response, format, accepted.TaskId);
            finished = await RelayAsync(context, caller.TenantId, accepted.TaskId, jobs, streams, blobs, sink, arrived);
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
    /// Relays the job's audio from its speech stream as the worker publishes it, into <paramref name="sink"/>:
    /// it starts with the first chunk, each chunk goes out at once, the end entry ends it. True when the job
    /// ended (whatever its outcome), false when the client left or <see cref="MaxWait"/> passed first.
    /// </summary>
    private static async Task<bool> RelayAsync(HttpContext context, Guid tenantId, Guid jobId, JobStore jobs, SpeechStreams streams, BlobStore blobs,
        SpeechSink sink, long arrived)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline.CancelAfter(MaxWait);
        var announcements = await streams.SubscribeAsync(jobId);
        try
        {
            RedisValue after = "0-0";
            int? epoch = null;
            while (true)
            {
                var entries = await streams.ReadAsync(jobId, after, 64);
                foreach (var entry in entries)
                {
                    after = entry.Id;
                    if (epoch != entry.Epoch)
                    {
                        if (sink.Started)
                        {
                            context.Abort(); // a retry starts over; its audio cannot be spliced onto what was sent
                            return true;
                        }
                        epoch = entry.Epoch;
                    }
                    if (entry.IsEnd)
                    {
                        await FinishAsync(context, tenantId, jobId, jobs, blobs, sink);
                        return true;
                    }
                    if (!sink.Started)
                    {
                        sink.Start();
                    }
                    if (entry.Kind == SpeechStreamEntry.WordsKind)
                    {
                        await sink.WordsAsync(WordTimestamps.FromJson(entry.Words!), deadline.Token);
                        continue;
                    }
                    if (!sink.AudioSent)
                    {
                        ApiMetrics.SpeechFirstAudio.Record(Stopwatch.GetElapsedTime(arrived).TotalSeconds);
                    }
                    await sink.AudioAsync(entry.Audio, deadline.Token);
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
                        if (sink.Started && sink is not SseSink)
                        {
                            context.Abort(); // part of the audio is missing, and raw audio cannot say so
                        }
                        else
                        {
                            await FinishAsync(context, tenantId, jobId, jobs, blobs, sink);
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

    /// <summary>
    /// The job has ended. Completed: the sink finishes (a job that streamed nothing sends its stored audio
    /// first). Otherwise: the error, as a problem if nothing was sent yet, else as the sink can say it.
    /// </summary>
    private static async Task FinishAsync(HttpContext context, Guid tenantId, Guid jobId, JobStore jobs, BlobStore blobs, SpeechSink sink)
    {
        var job = (await jobs.GetAsync(tenantId, jobId, CancellationToken.None))!;
        if (job is { Status: JobStatus.Completed, Result: { } audio })
        {
            if (!sink.AudioSent && await blobs.OpenReadAsync(tenantId, audio.BlobPath, CancellationToken.None) is { } stream)
            {
                await using (stream)
                {
                    using var buffer = new MemoryStream();
                    await stream.CopyToAsync(buffer, context.RequestAborted);
                    if (!sink.Started)
                    {
                        sink.Start();
                    }
                    await sink.AudioAsync(buffer.ToArray(), context.RequestAborted);
                }
            }
            if (sink.Started)
            {
                // Words the stream did not carry (its publishing failed) come from the ledger.
                if (job.Spec.WordTimestamps && await jobs.GetWordsAsync(tenantId, jobId, CancellationToken.None) is { } words)
                {
                    await sink.WordsAsync([.. words.Where(w => w.StartChar >= sink.WordsEnd)], context.RequestAborted);
                }
                await sink.DoneAsync(job, context.RequestAborted);
                return;
            }
        }
        string detail = job.Error is { } error && JsonNode.Parse(error)?["detail"]?.GetValue<string>() is { } d ? d : $"The speech job ended {job.Status}.";
        if (sink.Started)
        {
            await sink.FailAsync(detail, context.RequestAborted);
            return;
        }
        await Problems.Create(StatusCodes.Status500InternalServerError, Problems.Internal, "The speech could not be made.", detail).ExecuteAsync(context);
    }

    /// <summary>Where relayed audio goes: the response body as audio, or as OpenAI's speech events.</summary>
    private abstract class SpeechSink(HttpResponse response, string format, Guid jobId)
    {
        protected HttpResponse Response { get; } = response;

        protected string Format { get; } = format;

        public bool Started { get; private set; }

        public bool AudioSent { get; protected set; }

        /// <summary>Where the last word sent ends in the text (code points): later words are new.</summary>
        public int WordsEnd { get; protected set; }

        public void Start()
        {
            Started = true;
            Response.Headers["X-Task-Id"] = jobId.ToString();
            Response.Headers.CacheControl = "no-store";
            OnStart();
        }

        protected abstract void OnStart();

        public abstract Task AudioAsync(ReadOnlyMemory<byte> audio, CancellationToken cancellationToken);

        /// <summary>Word timestamps (only asked for with SSE).</summary>
        public virtual Task WordsAsync(IReadOnlyList<WordTimestamp> words, CancellationToken cancellationToken) => Task.CompletedTask;

        public virtual Task DoneAsync(Job job, CancellationToken cancellationToken) => Task.CompletedTask;

        public virtual Task FailAsync(string detail, CancellationToken cancellationToken)
        {
            Response.HttpContext.Abort(); // audio cannot carry an error: the client sees a cut-off response
            return Task.CompletedTask;
        }
    }

    /// <summary>The audio itself, chunked (<c>stream_format: audio</c>).</summary>
    private sealed class AudioSink(HttpResponse response, string format, Guid jobId) : SpeechSink(response, format, jobId)
    {
        protected override void OnStart() => Response.ContentType = AudioFormats.ContentType(Format);

        public override async Task AudioAsync(ReadOnlyMemory<byte> audio, CancellationToken cancellationToken)
        {
            AudioSent = true;
            await Response.Body.WriteAsync(audio, cancellationToken);
            await Response.Body.FlushAsync(cancellationToken);
        }
    }

    /// <summary>
    /// OpenAI's speech events (<c>stream_format: sse</c>): <c>speech.audio.delta</c> with a base64 chunk, then
    /// <c>speech.audio.done</c> with usage (input tokens are characters here; the audio's length is added), or
    /// <c>error</c>. With word timestamps (our extension), <c>speech.audio.timestamps</c> events with the words
    /// each new piece of audio speaks.
    /// </summary>
    private sealed class SseSink(HttpResponse response, string format, Guid jobId, string input) : SpeechSink(response, format, jobId)
    {
        protected override void OnStart()
        {
            Response.ContentType = "text/event-stream";
            Response.Headers["X-Accel-Buffering"] = "no";
        }

        public override Task AudioAsync(ReadOnlyMemory<byte> audio, CancellationToken cancellationToken)
        {
            AudioSent = true;
            return SendAsync(new JsonObject { ["type"] = "speech.audio.delta", ["audio"] = Convert.ToBase64String(audio.Span) }, cancellationToken);
        }

        public override Task WordsAsync(IReadOnlyList<WordTimestamp> words, CancellationToken cancellationToken)
        {
            if (words.Count == 0)
            {
                return Task.CompletedTask;
            }
            WordsEnd = Math.Max(WordsEnd, words[^1].EndChar);
            var list = new JsonArray();
            foreach (var w in WordTimestamps.Describe(input, words))
            {
                list.Add(new JsonObject { ["word"] = w.Word, ["start"] = w.Start, ["end"] = w.End, ["start_char"] = w.StartChar, ["end_char"] = w.EndChar });
            }
            return SendAsync(new JsonObject { ["type"] = "speech.audio.timestamps", ["words"] = list }, cancellationToken);
        }

        public override Task DoneAsync(Job job, CancellationToken cancellationToken)
        {
            int characters = JobAdmission.Characters(job.Spec.Text);
            return SendAsync(new JsonObject
            {
                ["type"] = "speech.audio.done",
                ["usage"] = new JsonObject
                {
                    ["input_tokens"] = characters,
                    ["output_tokens"] = 0,
                    ["total_tokens"] = characters,
                    ["characters"] = characters,
                    ["audio_seconds"] = (job.Result?.DurationMs ?? 0) / 1000.0,
                },
            }, cancellationToken);
        }

        public override Task FailAsync(string detail, CancellationToken cancellationToken) =>
            SendAsync(new JsonObject
            {
                ["type"] = "error",
                ["error"] = new JsonObject { ["message"] = detail, ["type"] = "server_error", ["param"] = null, ["code"] = "synthesis_failed" },
            }, cancellationToken);

        private async Task SendAsync(JsonObject data, CancellationToken cancellationToken)
        {
            await Response.WriteAsync($"data: {data.ToJsonString()}\n\n", cancellationToken);
            await Response.Body.FlushAsync(cancellationToken);
        }
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
