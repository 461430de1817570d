using System.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Voice.ApiService.Model;
using Voice.ApiService.Security;
using Voice.ApiService.Services;
using Voice.ApiService.Submissions;
using Voice.Audio.Encoding;
using Voice.Core.Audit;
using Voice.Core.Billing;
using Voice.Core.Jobs;
using Voice.Core.Tenancy;
using Voice.Core.Voices;
using Voice.Core.Webhooks;
using Voice.Speech.Engines;

namespace Voice.ApiService.Apis;

/// <summary>
/// OpenAI's speech dialect (<c>POST /v1/audio/speech</c>, <c>GET /v1/models</c>, <c>GET /v1/audio/voices</c>),
/// so clients written for it work by changing their base URL. A speech request is an ordinary job — the same
/// validation, plan limits, quotas, usage record and traces — marked to stream: the worker publishes its audio
/// chunk by chunk and the request relays it as it comes (<see cref="SpeechRelay"/>); a client that goes away
/// cancels the job. Errors on
/// these routes take OpenAI's shape
/// (<see cref="OpenAiErrors"/>).
/// </summary>
public static class OpenAiApi
{
    /// <summary>Model names clients send; all are served by the deployment's engine.</summary>
    public static readonly IReadOnlyList<string> Models = ["tts-1", "tts-1-hd", "gpt-4o-mini-tts"];

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
        HttpContext context, JobSubmitter submitter, JobStore jobs, JobQueue queue, PlanCatalog plans, WebhookStore webhooks,
        SsrfGuard guard, VoiceStore voices, VoiceProfiles profiles, SpeechEngineDescriptor engine, AuditLog audit, SpeechRelay relay,
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

        // The format as the submission validated it (lower case), so the first chunk needs no look at the ledger.
        string format = generate.Format!.ToLowerInvariant();
        var sink = SpeechSink.For(request.StreamFormat, context.Response, format, accepted.TaskId, request.Input!);
        await relay.StreamAsync(context, context.Caller().TenantId, accepted.TaskId, sink, arrived);
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
