using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.HttpResults;
using Voice.ApiService.Accounts;
using Voice.ApiService.Model;
using Voice.ApiService.Pools;
using Voice.ApiService.Submissions;
using Voice.Core.Billing;
using Voice.Core.Voices;
using Voice.Speech.Engines;

namespace Voice.ApiService.Services;

/// <summary>A design's candidates as made, or the problem that stopped it; warnings name the previews that were not queued.</summary>
public sealed record DesignCreation(Guid DesignId, IReadOnlyList<VoiceProfile> Candidates, IReadOnlyList<string> Warnings, ProblemHttpResult? Problem);

/// <summary>
/// Voice design with candidates: one description rendered several ways (each candidate a design voice with its own
/// variant), every candidate previewed by an ordinary speech job — which also prepares it — and one kept. Bounded:
/// at most <see cref="MaxCandidates"/> per design and <see cref="MaxOpenCandidates"/> unkept per tenant; previews are
/// billed and limited as any speech; a candidate counts as a voice (and is billed as one) only once kept.
/// </summary>
public sealed partial class VoiceDesigns(VoiceStore voices, VoiceProfiles profiles, VoicePreviews previews, PoolRouter router, ILogger<VoiceDesigns> logger)
{
    private static readonly ActivitySource Activity = new("Voice.Api");

    public const int MaxCandidates = 4;
    public const int DefaultCandidates = 3;
    public const int MaxOpenCandidates = 12;

    /// <summary>Checks the request; errors keyed by its field names.</summary>
    public Dictionary<string, string[]> Validate(CreateDesignRequest request)
    {
        var errors = profiles.Validate(Source(request), request.Name);
        if (request.Description is null)
        {
            errors["description"] = [$"Describe the voice in 1–{VoiceProfiles.MaxDescriptionLength} characters."];
        }
        if (request.Candidates is < 1 or > MaxCandidates)
        {
            errors["candidates"] = [$"1–{MaxCandidates} candidates."];
        }
        if (request.SampleText is { } sample && sample.Trim().Length is 0 or > VoicePreviews.MaxCharacters)
        {
            errors["sample_text"] = [$"1–{VoicePreviews.MaxCharacters} characters."];
        }
        return errors;
    }

    /// <summary>Makes the candidates (after <see cref="Validate"/> found nothing) and queues their previews.</summary>
    public async Task<DesignCreation> CreateAsync(CallerIdentity caller, PlanLimits plan, CreateDesignRequest request, CancellationToken cancellationToken)
    {
        var designId = Guid.CreateVersion7();
        using var activity = Activity.StartActivity("voice.design");
        activity?.SetTag("voice.tenant_id", caller.TenantId);
        activity?.SetTag("voice.design_id", designId);
        var source = Source(request);
        if (!plan.Allows(plan.AllowedModes, VoiceModes.Design))
        {
            return Refused(designId, Admissions.Restricted(plan, "voice mode", VoiceModes.Design, plan.AllowedModes));
        }
        var errors = new Dictionary<string, string[]>();
        var (route, refusal) = router.Route(new RouteRequest(VoiceMode.Design, source.Language, ModeField: "description"), plan, errors);
        if (route is null)
        {
            return Refused(designId, refusal ?? Problems.ValidationFailed(errors));
        }
        int count = request.Candidates ?? DefaultCandidates;
        // Consecutive variants from a random start: a new design of the same description offers new renderings,
        // and the engines keep consecutive variants apart.
        int first = RandomNumberGenerator.GetInt32(0, int.MaxValue - MaxCandidates);
        string name = request.Name?.Trim() ?? VoiceProfiles.DefaultName(source);
        var candidates = Enumerable.Range(0, count).Select(i => new NewVoice(Guid.CreateVersion7(), name, VoiceModes.Design, source.Language,
            source.Description.Trim(), null, null, null, null, Transient: false, Variant: first + i)).ToList();
        var created = await voices.CreateCandidatesAsync(caller.TenantId, designId, candidates, MaxOpenCandidates, caller.Actor, cancellationToken);
        if (created is null)
        {
            return Refused(designId, Problems.Create(StatusCodes.Status409Conflict, Problems.TooManyCandidates, "Too many unkept design candidates.",
                $"At most {MaxOpenCandidates} candidates wait to be kept; keep or discard a design first (candidates expire a day after they are made).",
                new Dictionary<string, object?> { ["limit"] = MaxOpenCandidates }));
        }
        string text = request.SampleText?.Trim() ?? SpeechLanguages.SampleTexts.GetValueOrDefault(source.Language, SpeechLanguages.SampleTexts["en"]);
        var warnings = new List<string>();
        var shown = new List<VoiceProfile>();
        for (int i = 0; i < created.Count; i++)
        {
            var candidate = created[i];
            if (await previews.TryQueueSampleAsync(caller, plan, candidate, text) is { } task)
            {
                await voices.SetPreviewTaskAsync(caller.TenantId, candidate.Id, task, CancellationToken.None);
                candidate = candidate with { PreviewTaskId = task };
            }
            else
            {
                warnings.Add($"Candidate {i + 1}'s preview was not queued (the plan's concurrency or quota); preview it with POST /api/v1/voices/{candidate.Id}/preview.");
            }
            shown.Add(candidate);
        }
        LogDesigned(logger, designId, caller.TenantId, count, count - warnings.Count);
        return new DesignCreation(designId, shown, warnings, null);
    }

    private static DesignSource Source(CreateDesignRequest request) => new(request.Description ?? "", request.Language ?? "en");

    private static DesignCreation Refused(Guid designId, ProblemHttpResult problem) => new(designId, [], [], problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Design {DesignId} of tenant {TenantId}: {Candidates} candidates, {Previews} previews queued")]
    private static partial void LogDesigned(ILogger logger, Guid designId, Guid tenantId, int candidates, int previews);
}
