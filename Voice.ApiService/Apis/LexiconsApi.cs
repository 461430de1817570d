using Microsoft.AspNetCore.Http.HttpResults;
using Voice.ApiService.Accounts;
using Voice.ApiService.Model;
using Voice.ApiService.Security;
using Voice.Core.Audit;
using Voice.Core.Lexicons;
using Voice.Speech.Engines;

namespace Voice.ApiService.Apis;

/// <summary>
/// A tenant's pronunciation dictionary (<c>/api/v1/lexicons</c>): a word or phrase and the text to say
/// instead, for one language or all, matched as whole words, ignoring case unless asked. The worker applies it
/// to every job's text just before synthesis (billing counts the text as sent).
/// </summary>
public static class LexiconsApi
{
    public static IEndpointRouteBuilder MapLexiconsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/lexicons").WithTags("Lexicons");
        var write = Policies.Scope(Scopes.SpeechWrite);
        api.MapGet("/", ListAsync).RequireAuthorization(write).WithSummary("The tenant's pronunciation rules");
        api.MapPost("/", CreateAsync).RequireAuthorization(write).Accepts<CreateLexiconEntryRequest>("application/json")
            .WithSummary("Add a rule: term → replacement (language: one of the platform's, or all when absent; case_sensitive: false by default)");
        api.MapGet("/{id:guid}", GetAsync).RequireAuthorization(write).WithSummary("One rule");
        api.MapDelete("/{id:guid}", DeleteAsync).RequireAuthorization(write).WithSummary("Remove a rule");
        return app;
    }

    public static async Task<Ok<LexiconList>> ListAsync(HttpContext context, LexiconStore lexicons, CancellationToken cancellationToken) =>
        TypedResults.Ok(new LexiconList([.. (await lexicons.ListAsync(context.Caller().TenantId, cancellationToken)).Select(LexiconEntryView.From)]));

    public static async Task<Results<Created<LexiconEntryView>, ProblemHttpResult>> CreateAsync(HttpContext context, LexiconStore lexicons, CancellationToken cancellationToken)
    {
        var (request, problem) = await JsonBody.ReadAsync(context, ApiJsonContext.Default.CreateLexiconEntryRequest, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var errors = new Dictionary<string, string[]>();
        string term = request!.Term?.Trim() ?? "";
        string replacement = request.Replacement?.Trim() ?? "";
        if (term.Length is 0 or > 100 || term.Any(char.IsControl))
        {
            errors["term"] = ["1–100 characters, no control characters."];
        }
        if (replacement.Length is 0 or > 500 || replacement.Any(char.IsControl))
        {
            errors["replacement"] = ["1–500 characters, no control characters."];
        }
        if (request.Language is { } language && !SpeechLanguages.IsKnown(language))
        {
            errors["language"] = [$"One of {string.Join(", ", SpeechLanguages.All)}, or absent for every language."];
        }
        if (errors.Count > 0)
        {
            return Problems.ValidationFailed(errors);
        }
        var caller = context.Caller();
        var (result, entry) = await lexicons.CreateAsync(caller.TenantId, request.Language, term, replacement, request.CaseSensitive ?? false, cancellationToken);
        return result switch
        {
            LexiconStore.CreateResult.Created => TypedResults.Created($"/api/v1/lexicons/{entry!.Id}", LexiconEntryView.From(entry)),
            LexiconStore.CreateResult.Full => Problems.Create(StatusCodes.Status403Forbidden, Problems.LexiconLimitReached, "The pronunciation dictionary is full.",
                $"A tenant may have {LexiconStore.MaxEntries} rules; remove one first.", new Dictionary<string, object?> { ["limit"] = LexiconStore.MaxEntries }),
            _ => Problems.Create(StatusCodes.Status409Conflict, Problems.Conflict, "That term already has a rule.",
                "Remove the existing rule for this term and language first."),
        };
    }

    public static async Task<Results<Ok<LexiconEntryView>, ProblemHttpResult>> GetAsync(
        Guid id, HttpContext context, LexiconStore lexicons, AuditLog audit, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        return await lexicons.GetAsync(caller.TenantId, id, cancellationToken) is { } entry
            ? TypedResults.Ok(LexiconEntryView.From(entry))
            : await NotFoundAsync(caller, id, audit, cancellationToken);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        Guid id, HttpContext context, LexiconStore lexicons, AuditLog audit, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        return await lexicons.DeleteAsync(caller.TenantId, id, cancellationToken)
            ? TypedResults.NoContent()
            : await NotFoundAsync(caller, id, audit, cancellationToken);
    }

    private static async Task<ProblemHttpResult> NotFoundAsync(CallerIdentity caller, Guid id, AuditLog audit, CancellationToken cancellationToken)
    {
        await audit.RecordForeignAccessAsync(caller.TenantId, "lexicon", id.ToString(), caller.Actor, cancellationToken);
        return Problems.Create(StatusCodes.Status404NotFound, Problems.NotFound, "Rule not found.", $"There is no lexicon rule '{id}'.");
    }
}
