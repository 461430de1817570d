using Microsoft.AspNetCore.Http.HttpResults;
using Voice.ApiService.Model;
using Voice.Core.Jobs;

namespace Voice.ApiService.Submissions;

/// <summary>
/// The HTTP side of submissions: an outcome as 202 with the status URL, 200 for a replay, or the problem (with
/// its headers); and what a submission takes from the request. The warnings are in the body and, as on the streamed
/// OpenAI route, in the warnings header, so one client code reads them on both.
/// </summary>
public static class SubmissionHttp
{
    public const int MaxIdempotencyKeyLength = 255;

    /// <summary>The request's <c>Idempotency-Key</c> (null without one), or the problem with it.</summary>
    public static (string? Key, ProblemHttpResult? Problem) IdempotencyKey(this HttpContext context)
    {
        string? key = context.Request.Headers["Idempotency-Key"];
        return key is not null && (key.Length is 0 or > MaxIdempotencyKeyLength || key.Any(char.IsControl))
            ? (null, Problems.ValidationFailed(new() { ["Idempotency-Key"] = [$"1–{MaxIdempotencyKeyLength} printable characters."] }))
            : (key, null);
    }

    /// <summary>The client's address (after trusted proxies): a transient clone's consent records it.</summary>
    public static string? ClientAddress(this HttpContext context) => context.Connection.RemoteIpAddress?.ToString();

    public static Results<Accepted<TaskAccepted>, Ok<TaskAccepted>, ProblemHttpResult> ToResult(this SubmissionOutcome outcome, HttpContext context) => outcome switch
    {
        SubmissionOutcome.Accepted accepted => accepted.ToResult(context),
        SubmissionOutcome.Replayed replayed => replayed.ToResult(context),
        SubmissionOutcome.Problem problem => problem.ToResult(context),
        _ => throw new ArgumentOutOfRangeException(nameof(outcome)),
    };

    public static Accepted<TaskAccepted> ToResult(this SubmissionOutcome.Accepted accepted, HttpContext context)
    {
        string statusUrl = StatusUrl(context, accepted.TaskId);
        NoteHeaders.Set(context.Response, NoteHeaders.Warnings, accepted.Warnings);
        return TypedResults.Accepted(statusUrl, new TaskAccepted(accepted.TaskId, accepted.Status, statusUrl, accepted.Warnings));
    }

    public static Ok<TaskAccepted> ToResult(this SubmissionOutcome.Replayed replayed, HttpContext context)
    {
        context.Response.Headers["Idempotent-Replayed"] = "true";
        NoteHeaders.Set(context.Response, NoteHeaders.Warnings, replayed.Warnings);
        return TypedResults.Ok(new TaskAccepted(replayed.TaskId, JobStatus.Queued, StatusUrl(context, replayed.TaskId), replayed.Warnings));
    }

    public static ProblemHttpResult ToResult(this SubmissionOutcome.Problem problem, HttpContext context)
    {
        if (problem.RetryAfter is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = retryAfter;
        }
        return problem.Result;
    }

    public static string StatusUrl(HttpContext context, Guid taskId) => AbsoluteUrl(context, $"/api/v1/task/{taskId}");

    public static string AbsoluteUrl(HttpContext context, string pathAndQuery) =>
        $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}{pathAndQuery}";
}
