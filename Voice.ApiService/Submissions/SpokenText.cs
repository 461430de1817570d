using Voice.Core.Billing;
using Voice.Core.Jobs;
using Voice.Core.Lexicons;
using Voice.Speech.Engines;

namespace Voice.ApiService.Submissions;

/// <summary>
/// What will be spoken is the text as the tenant's pronunciation rules make it: that is what the per-request limit
/// applies to and what admission reserves, so a rule that turns two letters into fifty words cannot turn a short
/// text into an hour of audio.
/// </summary>
public sealed class SpokenText(LexiconStore lexicons)
{
    public async Task<int> CharactersAsync(Guid tenantId, string text, string language, CancellationToken cancellationToken)
    {
        var rules = await lexicons.ForSynthesisAsync(tenantId, cancellationToken);
        return JobAdmission.Characters(rules.Count == 0 ? text : Lexicon.Apply(text, language, rules));
    }

    /// <summary>The most characters one request may speak: the plan's limit or the engine's (of the pool it goes to), whichever is lower.</summary>
    public static int Limit(PlanLimits plan, SpeechEngineDescriptor engine) => Math.Min(plan.MaxTextChars, engine.Capabilities.MaxTextLength);

    /// <summary>The validation message when <paramref name="spoken"/> is over <see cref="Limit"/>, or null.</summary>
    public static string? Problem(int spoken, PlanLimits plan, SpeechEngineDescriptor engine) => spoken > Limit(plan, engine)
        ? $"Your pronunciation rules make this text {spoken} characters long; the '{plan.Id}' plan allows {Limit(plan, engine)} per request."
        : null;
}
