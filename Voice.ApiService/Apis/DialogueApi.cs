using System.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Voice.ApiService.Accounts;
using Voice.ApiService.Model;
using Voice.ApiService.Security;
using Voice.ApiService.Submissions;
using Voice.Audio.Encoding;

namespace Voice.ApiService.Apis;

/// <summary>
/// Dialogue: several turns, each in its own voice, spoken in order into one audio file; followed like any task, or
/// streamed as it is spoken (the job marked to stream, relayed by <see cref="SpeechRelay"/> as the OpenAI speech route is).
/// </summary>
public static class DialogueApi
{
    /// <summary>Room for the largest plan's text in 50 turns, JSON-escaped.</summary>
    public const int MaxDialogueBodyBytes = 2 * 1024 * 1024;

    public static IEndpointRouteBuilder MapDialogueApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Tasks");
        string[] audio = [.. AudioFormats.All.Select(AudioFormats.ContentType).Distinct()];
        var limits = $"At most {DialogueRequests.MaxTurns} turns, their text together within the plan's per-request limit; " +
            $"pause_ms ({DialogueRequests.DefaultPauseMs} by default, at most {DialogueRequests.MaxPauseMs}) of silence between turns. ";
        api.MapPost("/dialogue", CreateAsync)
            .RequireAuthorization(Policies.Scope(Scopes.SpeechWrite))
            .Accepts<DialogueRequest>("application/json")
            .WithSummary("Queue a dialogue: turns spoken in order, each in its voice, into one audio file")
            .WithDescription("Answers 202 with the task id and its status URL. " + limits +
                "The completed task shows each turn's start, the usage per voice and, with timestamps: \"word\", each word's turn and voice. " +
                "With an Idempotency-Key header, a retry of the same dialogue within 24 h answers 200 with the original task.");
        api.MapPost("/dialogue/stream", StreamAsync)
            .RequireAuthorization(Policies.Scope(Scopes.SpeechWrite))
            .Accepts<DialogueRequest>("application/json")
            .Produces(StatusCodes.Status200OK, contentType: audio[0], additionalContentTypes: audio[1..])
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("Speak a dialogue and answer with its audio as it is made")
            .WithDescription("The body of POST /api/v1/dialogue; the answer is the audio in its format, chunked, the pauses as silence, the task id in X-Task-Id. " +
                limits + "A problem comes before any audio; a client that hangs up cancels the task. The task (status, words, usage per voice) stays readable; " +
                "an Idempotency-Key is ignored here, as on POST /v1/audio/speech: a replay could not stream the audio again.");
        return app;
    }

    public static async Task<Results<Accepted<TaskAccepted>, Ok<TaskAccepted>, ProblemHttpResult>> CreateAsync(
        HttpContext context, DialogueRequests requests, [AsParameters] SpeechServices services, CancellationToken cancellationToken)
    {
        var (idempotencyKey, badKey) = context.IdempotencyKey();
        if (badKey is not null)
        {
            return badKey;
        }
        var (dialogue, problem) = await ValidateAsync(context, requests, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var outcome = await services.Submissions.SubmitAsync(context.Caller(), dialogue!, idempotencyKey, stream: false, cancellationToken);
        return outcome.ToResult(context);
    }

    public static async Task StreamAsync(
        HttpContext context, DialogueRequests requests, SpeechSubmissions submissions, SpeechRelay relay, CancellationToken cancellationToken)
    {
        long arrived = Stopwatch.GetTimestamp();
        var (dialogue, problem) = await ValidateAsync(context, requests, cancellationToken);
        if (problem is not null)
        {
            await problem.ExecuteAsync(context);
            return;
        }
        var caller = context.Caller();
        var outcome = await submissions.SubmitAsync(caller, dialogue!, idempotencyKey: null, stream: true, cancellationToken);
        if (outcome is not SubmissionOutcome.Accepted accepted)
        {
            await outcome.ToResult(context).Result.ExecuteAsync(context);
            return;
        }
        // Before the first chunk: once the audio starts, headers cannot follow.
        NoteHeaders.Set(context.Response, NoteHeaders.Warnings, accepted.Warnings);
        await relay.StreamAsync(context, caller.TenantId, accepted.TaskId, SpeechSink.Audio(context.Response, dialogue!.Format, accepted.TaskId), arrived);
    }

    private static async Task<(ValidatedDialogue? Dialogue, ProblemHttpResult? Problem)> ValidateAsync(
        HttpContext context, DialogueRequests requests, CancellationToken cancellationToken)
    {
        var (request, problem) = await JsonBody.ReadAsync(context, ApiJsonContext.Default.DialogueRequest, cancellationToken, MaxDialogueBodyBytes);
        return problem is not null
            ? (null, problem)
            : await requests.ValidateAsync(context.Caller(), request!, context.ClientAddress(), cancellationToken);
    }
}
