using Microsoft.AspNetCore.Http.HttpResults;
using Voice.ApiService.Accounts;
using Voice.ApiService.Model;
using Voice.ApiService.Security;
using Voice.ApiService.Submissions;

namespace Voice.ApiService.Apis;

/// <summary>Dialogue: several turns, each in its own voice, spoken in order into one audio file; followed like any task.</summary>
public static class DialogueApi
{
    /// <summary>Room for the largest plan's text in 50 turns, JSON-escaped.</summary>
    public const int MaxDialogueBodyBytes = 2 * 1024 * 1024;

    public static IEndpointRouteBuilder MapDialogueApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/v1").WithTags("Tasks")
            .MapPost("/dialogue", CreateAsync)
            .RequireAuthorization(Policies.Scope(Scopes.SpeechWrite))
            .Accepts<DialogueRequest>("application/json")
            .WithSummary("Queue a dialogue: turns spoken in order, each in its voice, into one audio file")
            .WithDescription($"Answers 202 with the task id and its status URL. At most {DialogueRequests.MaxTurns} turns, their text together within the plan's " +
                $"per-request limit; pause_ms ({DialogueRequests.DefaultPauseMs} by default, at most {DialogueRequests.MaxPauseMs}) of silence between turns. " +
                "The completed task shows each turn's start, the usage per voice and, with timestamps: \"word\", each word's turn and voice.");
        return app;
    }

    public static async Task<Results<Accepted<TaskAccepted>, Ok<TaskAccepted>, ProblemHttpResult>> CreateAsync(
        HttpContext context, DialogueRequests requests, [AsParameters] SpeechServices services, CancellationToken cancellationToken)
    {
        var (request, problem) = await JsonBody.ReadAsync(context, ApiJsonContext.Default.DialogueRequest, cancellationToken, MaxDialogueBodyBytes);
        if (problem is not null)
        {
            return problem;
        }
        var caller = context.Caller();
        var (dialogue, invalid) = await requests.ValidateAsync(caller, request!, context.ClientAddress(), cancellationToken);
        if (invalid is not null)
        {
            return invalid;
        }
        var outcome = await services.Submissions.SubmitAsync(caller, dialogue!);
        return outcome.ToResult(context);
    }
}
