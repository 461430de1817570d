using Microsoft.AspNetCore.Http.HttpResults;
using Voice.ApiService.Model;
using Voice.ApiService.Services;
using Voice.Core.Billing;
using Voice.Core.Pools;
using Voice.Speech.Engines;

namespace Voice.ApiService.Pools;

/// <summary>
/// What a job needs of a pool: the voice's mode, the language, word timing, the model the request named (a pool's
/// name, an engine or a model id; null: any), and the prompt format its voice profile was prepared in (kept when it can
/// be: no preparation again). <see cref="ModeField"/> is the request field a missing mode is reported against.
/// </summary>
public sealed record RouteRequest(VoiceMode Mode, string Language, string? Model = null, bool Words = false, string? PromptFormat = null,
    string ModeField = "voice");

/// <summary>The pool a job goes to, and its engine as validation sees it (the pool's announced capabilities).</summary>
public sealed record PoolRoute(string Pool, SpeechEngineDescriptor Engine);

/// <summary>
/// Chooses the pool for each job at submission, so a request no pool can serve is refused then (a 400 naming what is
/// missing, or a 403 when only the plan stands in the way), never failed later. Candidates are the recent pools that
/// the request's model names, the plan allows (<c>allowed_engines</c> lists engines or pool names), and that make the
/// voice's mode in its language (and time words when asked). Among them: the highest fidelity (a model before the
/// embedded engine), then the pool whose prompt format the voice was prepared in, then one with live workers, then by
/// name. A recent pool without workers still counts: it is restarting, and its jobs wait for it rather than fall to a
/// lesser engine.
/// </summary>
public sealed class PoolRouter(PoolDirectory directory)
{
    public (PoolRoute? Route, ProblemHttpResult? Refusal) Route(RouteRequest request, PlanLimits plan, Dictionary<string, string[]> errors) =>
        Choose(directory.Pools, request, plan, errors);

    /// <summary>The choice over a given set of pools (what <see cref="Route"/> does over the directory's).</summary>
    public static (PoolRoute? Route, ProblemHttpResult? Refusal) Choose(IReadOnlyList<LivePool> pools, RouteRequest request, PlanLimits plan,
        Dictionary<string, string[]> errors)
    {
        IReadOnlyList<LivePool> candidates = pools;
        if (request.Model is { } model)
        {
            candidates = [.. candidates.Where(p => Names(p.Pool, model))];
            if (candidates.Count == 0)
            {
                string named = model.Length <= 100 ? $"'{model}'" : "that"; // a tenant's text is not echoed at any length
                errors["model"] = [$"No running model is called {named}; running: {List(pools.Select(p => p.Pool.Name))} (GET /api/v1/models)."];
                return (null, null);
            }
        }
        var allowed = candidates.Where(p => plan.Allows(plan.AllowedEngines, p.Pool.Engine) || plan.Allows(plan.AllowedEngines, p.Pool.Name)).ToList();
        if (allowed.Count == 0)
        {
            return (null, Admissions.Restricted(plan, "engine", candidates[0].Pool.Name, plan.AllowedEngines));
        }
        string mode = request.Mode.ToString().ToLowerInvariant();
        var making = allowed.Where(p => p.Pool.Modes.Contains(mode, StringComparer.Ordinal)).ToList();
        if (making.Count == 0)
        {
            string scope = request.Model is not null ? $"'{request.Model}'" : allowed.Count < pools.Count ? "model your plan includes" : "running model";
            errors[request.ModeField] = [$"No {scope} makes {mode} voices; {List(allowed.SelectMany(p => p.Pool.Modes).Distinct())} voices can be made (GET /api/v1/models)."];
            return (null, null);
        }
        var speaking = making.Where(p => p.Pool.Languages.Contains(request.Language, StringComparer.Ordinal)).ToList();
        if (speaking.Count == 0)
        {
            errors["language"] = [$"Unknown language '{request.Language}' for {mode} voices. Supported: {List(making.SelectMany(p => p.Pool.Languages).Distinct())}."];
            return (null, null);
        }
        var timing = request.Words ? speaking.Where(p => p.Pool.WordTimestamps).ToList() : speaking;
        if (timing.Count == 0)
        {
            errors["timestamps"] = [$"No running model that makes {mode} voices in '{request.Language}' can time words."];
            return (null, null);
        }
        var best = timing
            .OrderByDescending(p => FidelityRank(p.Pool.Fidelity))
            .ThenByDescending(p => request.PromptFormat is not null && p.Pool.PromptFormat == request.PromptFormat)
            .ThenByDescending(p => p.Workers > 0)
            .ThenBy(p => p.Pool.Name, StringComparer.Ordinal)
            .First();
        return (new PoolRoute(best.Pool.Name, PoolDirectory.DescriptorOf(best.Pool)), null);
    }

    /// <summary>A model a request may name: the pool's own name, its engine, or its model id.</summary>
    private static bool Names(PoolAnnouncement pool, string model) =>
        pool.Name == model || pool.Engine == model || pool.Model == model;

    /// <summary>How closely an engine follows the voice: a neural model, then an approximation (the embedded engine), then none (tests).</summary>
    private static int FidelityRank(string fidelity) => fidelity switch { "model" => 2, "approximate" => 1, _ => 0 };

    private static string List(IEnumerable<string> values) => string.Join(", ", values.Order(StringComparer.Ordinal));
}
