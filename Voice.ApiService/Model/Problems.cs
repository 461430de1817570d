using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Voice.ApiService.Model;

/// <summary>
/// The API's RFC 9457 problem types. Each <c>type</c> is a stable URI documented in docs/errors.md;
/// clients branch on it, never on the human-readable <c>title</c>/<c>detail</c>.
/// </summary>
public static class Problems
{
    public const string BaseUri = "https://voice.dev/problems/";

    public const string BadRequest = BaseUri + "bad-request";
    public const string Validation = BaseUri + "validation";
    public const string InvalidJson = BaseUri + "invalid-json";
    public const string UnsupportedMediaType = BaseUri + "unsupported-media-type";
    public const string PayloadTooLarge = BaseUri + "payload-too-large";
    public const string Unauthenticated = BaseUri + "unauthenticated";
    public const string Forbidden = BaseUri + "forbidden";
    public const string TenantSuspended = BaseUri + "tenant-suspended";
    public const string TooManyAuthFailures = BaseUri + "too-many-auth-failures";
    public const string InvalidToken = BaseUri + "invalid-token";
    public const string TooManySignUps = BaseUri + "too-many-sign-ups";
    public const string EmailNotVerified = BaseUri + "email-not-verified";
    public const string Conflict = BaseUri + "conflict";
    public const string IdempotencyConflict = BaseUri + "idempotency-key-reused";
    public const string TaskFinished = BaseUri + "task-finished";
    public const string NotFound = BaseUri + "not-found";
    public const string MethodNotAllowed = BaseUri + "method-not-allowed";
    public const string InvalidSignature = BaseUri + "invalid-signature";
    public const string QueueUnavailable = BaseUri + "queue-unavailable";
    public const string Internal = BaseUri + "internal";
    public const string SynthesisFailed = BaseUri + "synthesis-failed";
    public const string VoiceNotFound = BaseUri + "voice-not-found";
    public const string VoiceFailed = BaseUri + "voice-failed";
    public const string VoiceLimitReached = BaseUri + "voices/limit-reached";
    public const string TooManyCandidates = BaseUri + "voices/too-many-candidates";
    public const string CandidateNotReady = BaseUri + "voices/candidate-not-ready";
    public const string LexiconLimitReached = BaseUri + "lexicons/limit-reached";
    public const string PoorReference = BaseUri + "voices/poor-reference";
    public const string RateLimited = BaseUri + "rate-limited";
    public const string QuotaExceeded = BaseUri + "quota-exceeded";
    public const string ConcurrencyLimit = BaseUri + "concurrency-limit";
    public const string PlanRestriction = BaseUri + "plan-restriction";
    public const string StoredObjectUnreadable = BaseUri + "stored-object-unreadable";

    /// <summary>The type for a status the framework produced on its own.</summary>
    public static string ForStatus(int status) => status switch
    {
        StatusCodes.Status401Unauthorized => Unauthenticated,
        StatusCodes.Status403Forbidden => Forbidden,
        StatusCodes.Status404NotFound => NotFound,
        StatusCodes.Status405MethodNotAllowed => MethodNotAllowed,
        StatusCodes.Status413PayloadTooLarge => PayloadTooLarge,
        StatusCodes.Status415UnsupportedMediaType => UnsupportedMediaType,
        >= 500 => Internal,
        _ => BadRequest,
    };

    public static ProblemHttpResult Create(int status, string type, string title, string? detail = null, IDictionary<string, object?>? extensions = null)
    {
        var problem = new ProblemDetails { Status = status, Type = type, Title = title, Detail = detail };
        if (extensions is not null)
        {
            foreach (var (key, value) in extensions)
            {
                problem.Extensions[key] = value;
            }
        }
        return TypedResults.Problem(problem);
    }

    public static ProblemHttpResult ValidationFailed(Dictionary<string, string[]> errors) =>
        Create(StatusCodes.Status400BadRequest, Validation, "The request is not valid.",
            "See 'errors' for each field that needs fixing.", new Dictionary<string, object?> { ["errors"] = errors });

    public static ProblemHttpResult VoiceMissing(string id) =>
        Create(StatusCodes.Status404NotFound, NotFound, "Voice not found.", $"There is no voice '{id}'.");

    public static ProblemHttpResult TaskNotFound(Guid id) =>
        Create(StatusCodes.Status404NotFound, NotFound, "Task not found.", $"There is no task '{id}'.");
}
