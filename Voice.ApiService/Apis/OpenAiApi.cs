using System.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Voice.ApiService.Accounts;
using Voice.ApiService.Model;
using Voice.Core.Pools;
using Voice.ApiService.Security;
using Voice.ApiService.Submissions;
using Voice.Audio.Encoding;
using Voice.Core.Audit;
using Voice.Core.Billing;
using Voice.Core.Jobs;
using Voice.Core.Storage;
using Voice.Core.Voices;
using Voice.Speech.Engines;

namespace Voice.ApiService.Apis;

/// <summary>
/// OpenAI's speech dialect (<c>POST /v1/audio/speech</c>, <c>GET /v1/models</c>, <c>GET /v1/audio/voices</c>),
/// so clients written for it work by changing their base URL. A speech request is an ordinary job — the same
/// validation, plan limits, quotas, usage record and traces — marked to stream: the worker publishes its audio
/// chunk by chunk and the request relays it as it comes (<see cref="SpeechRelay"/>); a client that goes away
/// cancels the job. Errors on these routes take OpenAI's shape
/// (<see cref="OpenAiErrors"/>). Fields of other servers' dialects are ignored, not refused, and what a body cannot
/// say — the ignored fields, the engine's warnings — goes in headers (<see cref="NoteHeaders"/>).
/// </summary>
public static class OpenAiApi
{
    private const int MaxBodyBytes = 256 * 1024;

    public static IEndpointRouteBuilder MapOpenAiApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1").WithTags("OpenAI-compatible");
        group.MapPost("/audio/speech", SpeechAsync).RequireAuthorization(Policies.Scope(Scopes.SpeechWrite))
            .Accepts<OpenAiSpeechRequest>("application/json")
            .WithSummary("OpenAI's speech endpoint: the audio of `input` in `voice` (a preset or a voice id, or `{\"id\"}`), as `response_format`")
            .WithDescription($"Unknown fields are ignored and named in `{NoteHeaders.IgnoredFields}`; the engine's warnings come in `{NoteHeaders.Warnings}`.");
        group.MapGet("/models", ListModels).RequireAuthorization().WithSummary("The speech models (OpenAI's list shape)");
        group.MapGet("/audio/voices", ListVoicesAsync).RequireAuthorization(Policies.VoicesRead).WithSummary("The presets and the tenant's ready voices");
        return app;
    }

    public static async Task SpeechAsync(HttpContext context, [AsParameters] OpenAiSpeechServices services, CancellationToken cancellationToken)
    {
        long arrived = Stopwatch.GetTimestamp();
        var (request, problem) = await JsonBody.ReadAsync(context, ApiJsonContext.Default.OpenAiSpeechRequest, cancellationToken, MaxBodyBytes);
        NoteHeaders.Set(context.Response, NoteHeaders.IgnoredFields, request?.Ignored?.Keys);
        var (speech, invalid) = problem is null ? await ValidateAsync(context, request!, services, cancellationToken) : (null, problem);
        if (invalid is not null)
        {
            await invalid.ExecuteAsync(context);
            return;
        }
        var caller = context.Caller();
        var outcome = await services.Submissions.SubmitAsync(caller, speech!, null, stream: true, cancellationToken);
        if (outcome is not SubmissionOutcome.Accepted accepted)
        {
            await outcome.ToResult(context).Result.ExecuteAsync(context);
            return;
        }
        // Before the first chunk: once the audio starts, headers cannot follow.
        NoteHeaders.Set(context.Response, NoteHeaders.Warnings, accepted.Warnings);
        // The format as the submission validated it (lower case), so the first chunk needs no look at the ledger.
        var sink = SpeechSink.For(request!.StreamFormat, context.Response, speech!.Fields.Format, accepted.TaskId, request.Input!);
        await services.Relay.StreamAsync(context, caller.TenantId, accepted.TaskId, sink, arrived);
    }

    /// <summary>OpenAI's own fields first, then the checks every speech request gets.</summary>
    private static async Task<(ValidatedSpeech? Speech, ProblemHttpResult? Problem)> ValidateAsync(
        HttpContext context, OpenAiSpeechRequest request, OpenAiSpeechServices services, CancellationToken cancellationToken) =>
        Check(request, services.Engine, services.Pools.Pools) is { } problem
            ? (null, problem)
            : await services.Requests.ValidateAsync(context.Caller(), ToGenerateRequest(request, services.Engine), context.ClientAddress(), cancellationToken);

    /// <summary>What OpenAI's dialect adds to a speech request's validation: the model, the voice's shape, the stream format.</summary>
    private static ProblemHttpResult? Check(OpenAiSpeechRequest request, SpeechEngineDescriptor engine, IReadOnlyList<Core.Pools.LivePool> pools)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.Model is null || !OpenAiModelNames.IsOpenAis(request.Model) && request.Model != engine.Name
            && !pools.Any(p => p.Pool.Name == request.Model || p.Pool.Engine == request.Model || p.Pool.Model == request.Model))
        {
            errors["model"] = [$"One of {string.Join(", ", OpenAiModelNames.Aliases.Concat(pools.Select(p => p.Pool.Name).Order(StringComparer.Ordinal)))} "
                + "(GET /v1/models), or an OpenAI snapshot such as gpt-4o-mini-tts-2025-03-20."];
        }
        if (string.IsNullOrWhiteSpace(request.Voice?.Id))
        {
            errors["voice"] = ["A preset name (alloy, ash, …) or one of your voice ids, as a string or as {\"id\": \"…\"}."];
        }
        if (request.StreamFormat is not (null or "audio" or "sse"))
        {
            errors["stream_format"] = ["'audio' (the audio itself, chunked) or 'sse' (speech.audio.delta events)."];
        }
        else if (string.Equals(request.Timestamps, GenerateValidation.WordTimestampsOption, StringComparison.OrdinalIgnoreCase) && request.StreamFormat != "sse")
        {
            errors["timestamps"] = ["Word timestamps come as speech.audio.timestamps events: set stream_format to 'sse' (or use POST /api/v1/voice/generate)."];
        }
        // Instructions style a preset: the preset's speaker with the instruction where the engine follows one
        // (Qwen3-TTS CustomVoice 1.7B), else a voice designed from both (for this request only).
        if (!string.IsNullOrWhiteSpace(request.Instructions) && !errors.ContainsKey("voice") && PresetVoices.Find(request.Voice!.Id!) is null)
        {
            errors["instructions"] = ["Instructions shape a preset voice; for your own voices, design a new one (POST /api/v1/voices)."];
        }
        return errors.Count > 0 ? Problems.ValidationFailed(errors) : null;
    }

    /// <summary>
    /// OpenAI's request as a native one; an OpenAI model name routes by the voice, anything else names a pool, engine or
    /// model. OpenAI's clients send no language: the text's own is detected.
    /// </summary>
    private static GenerateRequest ToGenerateRequest(OpenAiSpeechRequest request, SpeechEngineDescriptor engine) =>
        new(request.Input, request.Language ?? RequestLanguage.Auto, request.Voice!.Id, request.ResponseFormat ?? AudioFormats.Mp3, null, request.Speed,
            Instruct: string.IsNullOrWhiteSpace(request.Instructions) ? null : request.Instructions.Trim(), Timestamps: request.Timestamps,
            Model: OpenAiModelNames.IsOpenAis(request.Model) || request.Model == engine.Name ? null : request.Model,
            SampleRate: request.SampleRate, Seed: request.Seed, OptimizeStreamingLatency: request.OptimizeStreamingLatency,
            PreviousText: request.PreviousText, NextText: request.NextText);

    /// <summary>OpenAI's model names (aliases a client may send) and the live pools, by name, owned by their engine.</summary>
    public static async Task<Ok<OpenAiModelList>> ListModels(SpeechEngineDescriptor engine, PoolRegistry pools) =>
        TypedResults.Ok(new OpenAiModelList("list", [
            .. OpenAiModelNames.Aliases.Select(m => new OpenAiModel(m, "model", 1_735_689_600, $"voice:{engine.Name}")),
            .. (await pools.LiveAsync()).Select(p => new OpenAiModel(p.Pool.Name, "model", 1_735_689_600, $"voice:{p.Pool.Engine}")),
        ]));

    public static async Task<Ok<OpenAiVoiceList>> ListVoicesAsync(HttpContext context, VoiceStore voices, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        var own = await voices.ListAsync(caller.TenantId, null, 100, cancellationToken);
        var data = PresetVoices.All.Select(p => new OpenAiVoice(p.Name, p.Name, "preset", p.Description))
            .Concat(own.Where(v => v.Status == VoiceStatus.Ready).Select(v => new OpenAiVoice(v.Id.ToString(), v.Name, v.Mode, v.Description)));
        return TypedResults.Ok(new OpenAiVoiceList("list", [.. data]));
    }
}
