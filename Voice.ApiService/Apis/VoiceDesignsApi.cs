using Microsoft.AspNetCore.Http.HttpResults;
using Voice.ApiService.Accounts;
using Voice.ApiService.Model;
using Voice.ApiService.Security;
using Voice.ApiService.Services;
using Voice.Core.Audit;
using Voice.Core.Voices;

namespace Voice.ApiService.Apis;

/// <summary>
/// Voice design with candidates: hear several renderings of a description, keep one. Another tenant's design is
/// indistinguishable from one that does not exist (404), and the attempt is audited.
/// </summary>
public static class VoiceDesignsApi
{
    public static IEndpointRouteBuilder MapVoiceDesignsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/voices/designs").WithTags("Voices");
        var write = Policies.Scope(Scopes.VoicesWrite);
        api.MapPost("/", CreateAsync).RequireAuthorization(write).Accepts<CreateDesignRequest>("application/json")
            .WithSummary("Design a voice as several candidates, each with a preview to hear")
            .WithDescription($"Answers 202 with the design: 1–{VoiceDesigns.MaxCandidates} candidates (default {VoiceDesigns.DefaultCandidates}), each a voice " +
                "being prepared by its preview task. Keep one with POST …/keep; the others are deleted then. Candidates are not listed or counted as voices " +
                $"until kept, and expire a day after they are made; at most {VoiceDesigns.MaxOpenCandidates} wait at once.");
        api.MapGet("/{id:guid}", GetAsync).RequireAuthorization(Policies.VoicesRead).WithSummary("A design and its candidates' status and previews");
        api.MapPost("/{id:guid}/keep", KeepAsync).RequireAuthorization(write).Accepts<KeepCandidateRequest>("application/json")
            .WithSummary("Keep one prepared candidate as a voice (billed and counted as any voice); the design's other candidates are deleted");
        api.MapDelete("/{id:guid}", DiscardAsync).RequireAuthorization(write).WithSummary("Discard a design and all its candidates");
        return app;
    }

    public static async Task<Results<Accepted<DesignView>, ProblemHttpResult>> CreateAsync(
        HttpContext context, VoiceDesigns designs, [AsParameters] VoiceServices services, CancellationToken cancellationToken)
    {
        var (request, problem) = await JsonBody.ReadAsync(context, ApiJsonContext.Default.CreateDesignRequest, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (designs.Validate(request!) is { Count: > 0 } errors)
        {
            return Problems.ValidationFailed(errors);
        }
        var caller = context.Caller();
        var plan = await services.Plans.GetAsync(caller.Plan, cancellationToken);
        var created = await designs.CreateAsync(caller, plan, request!, cancellationToken);
        if (created.Problem is not null)
        {
            return created.Problem;
        }
        return TypedResults.Accepted($"/api/v1/voices/designs/{created.DesignId}", ToView(created.DesignId, created.Candidates, created.Warnings));
    }

    public static async Task<Results<Ok<DesignView>, ProblemHttpResult>> GetAsync(
        Guid id, HttpContext context, [AsParameters] VoiceServices services, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        var candidates = await services.Voices.CandidatesAsync(caller.TenantId, id, cancellationToken);
        return candidates.Count == 0 ? await NotFoundAsync(caller, id, services.Audit, cancellationToken) : TypedResults.Ok(ToView(id, candidates, []));
    }

    public static async Task<Results<Ok<VoiceView>, ProblemHttpResult>> KeepAsync(
        Guid id, HttpContext context, [AsParameters] VoiceServices services, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        // Another tenant's design is a missing one, whatever the body says.
        if ((await services.Voices.CandidatesAsync(caller.TenantId, id, cancellationToken)).Count == 0)
        {
            return await NotFoundAsync(caller, id, services.Audit, cancellationToken);
        }
        var (request, problem) = await JsonBody.ReadAsync(context, ApiJsonContext.Default.KeepCandidateRequest, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var errors = new Dictionary<string, string[]>();
        if (request!.VoiceId is null)
        {
            errors["voice_id"] = ["The candidate to keep (a voice_id of the design)."];
        }
        if (request.Name is { } name && name.Trim().Length is 0 or > VoiceProfiles.MaxNameLength)
        {
            errors["name"] = [$"1–{VoiceProfiles.MaxNameLength} characters."];
        }
        if (errors.Count > 0)
        {
            return Problems.ValidationFailed(errors);
        }
        var (outcome, voice) = await services.Voices.KeepAsync(caller.TenantId, id, request.VoiceId!.Value, request.Name?.Trim(), caller.Actor, cancellationToken);
        if (outcome == KeepOutcome.VoiceLimit)
        {
            var plan = await services.Plans.GetAsync(caller.Plan, cancellationToken);
            return Problems.Create(StatusCodes.Status403Forbidden, Problems.VoiceLimitReached, "The plan's voice limit is reached.",
                $"The '{plan.Id}' plan keeps at most {plan.MaxVoices} voices; delete one or change plans, then keep the candidate (it waits until the design expires).",
                new Dictionary<string, object?> { ["limit"] = plan.MaxVoices });
        }
        return outcome switch
        {
            KeepOutcome.Kept => TypedResults.Ok(VoicesApi.ToView(voice!)),
            KeepOutcome.NotReady => Problems.Create(StatusCodes.Status409Conflict, Problems.CandidateNotReady, "The candidate is not prepared.",
                "Keep it once its preview has completed (a failed candidate cannot be kept)."),
            _ => await NotFoundAsync(caller, id, services.Audit, cancellationToken),
        };
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DiscardAsync(
        Guid id, HttpContext context, [AsParameters] VoiceServices services, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        return await services.Voices.DiscardDesignAsync(caller.TenantId, id, caller.Actor, cancellationToken) > 0
            ? TypedResults.NoContent()
            : await NotFoundAsync(caller, id, services.Audit, cancellationToken);
    }

    private static DesignView ToView(Guid id, IReadOnlyList<VoiceProfile> candidates, IReadOnlyList<string> warnings)
    {
        var first = candidates[0];
        return new DesignView(id, "voice_design", first.Name, first.Description ?? "", first.Language, first.CreatedAt + VoiceStore.CandidateLifetime,
            [.. candidates.Select((c, i) => new CandidateView(c.Id, i + 1, c.Status, c.PreviewTaskId,
                c.PreviewTaskId is { } task ? $"/api/v1/task/{task}/audio" : null, c.Engine, c.Fidelity, c.Notes, VoicesApi.Json(c.ErrorJson)))],
            warnings);
    }

    private static async Task<ProblemHttpResult> NotFoundAsync(CallerIdentity caller, Guid id, AuditLog audit, CancellationToken cancellationToken)
    {
        await audit.RecordForeignAccessAsync(caller.TenantId, "voice_design", id.ToString(), caller.Actor, cancellationToken);
        return Problems.Create(StatusCodes.Status404NotFound, Problems.NotFound, "Design not found.",
            $"There is no design '{id}' with candidates waiting (kept, discarded or expired designs are gone).");
    }
}
