using Microsoft.AspNetCore.Http.HttpResults;
using Voice.ApiService.Accounts;
using Voice.ApiService.Model;
using Voice.Core.Billing;

namespace Voice.ApiService.Submissions;

/// <summary>
/// Validates a dialogue: its bounds here, and each turn as the generate request it amounts to (voice, text, language,
/// format, timestamps and the plan, through <see cref="SpeechRequests"/>), so a turn is admitted exactly as ordinary speech
/// would be. A turn's voice and text problems are named <c>turns[i].voice</c> / <c>turns[i].text</c>.
/// </summary>
public sealed class DialogueRequests(PlanCatalog plans, SpeechRequests speech)
{
    public const int MaxTurns = 50;
    public const int DefaultPauseMs = 350, MaxPauseMs = 3000;

    public async Task<(ValidatedDialogue? Dialogue, ProblemHttpResult? Problem)> ValidateAsync(
        CallerIdentity caller, DialogueRequest request, string? clientAddress, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var turns = request.Turns ?? [];
        if (turns.Count is 0 or > MaxTurns)
        {
            errors["turns"] = [$"1–{MaxTurns} turns, each with a voice and its text."];
        }
        int pauseMs = request.PauseMs ?? DefaultPauseMs;
        if (pauseMs is < 0 or > MaxPauseMs)
        {
            errors["pause_ms"] = [$"0–{MaxPauseMs} milliseconds of silence between turns (default {DefaultPauseMs})."];
        }
        if (errors.ContainsKey("turns"))
        {
            return (null, Problems.ValidationFailed(errors));
        }

        var plan = await plans.GetAsync(caller.Plan, cancellationToken);
        var validated = new List<ValidatedSpeech>(turns.Count);
        ProblemHttpResult? refusal = null;
        for (int i = 0; i < turns.Count; i++)
        {
            if (turns[i] is not { Voice: { Length: > 0 } voice } turn)
            {
                errors[$"turns[{i}].voice"] = ["Each turn names its voice: a preset or a voice id from GET /api/v1/voices."];
                continue;
            }
            // The callback is checked (and its secret looked up) once, with the first turn.
            var generate = new GenerateRequest(turn.Text, request.Language, voice, request.Format, i == 0 ? request.CallbackUrl : null, Timestamps: request.Timestamps);
            var turnErrors = new Dictionary<string, string[]>();
            var (checkedTurn, turnRefusal) = await speech.CheckAsync(caller, plan, generate, clientAddress, turnErrors, cancellationToken);
            foreach (var (field, messages) in turnErrors)
            {
                errors.TryAdd(field is "voice" or "text" ? $"turns[{i}].{field}" : field, messages);
            }
            refusal ??= turnRefusal;
            if (checkedTurn is not null)
            {
                validated.Add(checkedTurn);
            }
        }
        if (validated.Count == turns.Count)
        {
            CheckTogether(validated, plan, errors);
        }
        if (errors.Count > 0)
        {
            return (null, Problems.ValidationFailed(errors));
        }
        if (refusal is not null)
        {
            return (null, refusal);
        }
        return (new ValidatedDialogue(plan, validated, pauseMs, request.CallbackUrl, validated[0].Pool), null);
    }

    /// <summary>One job speaks the whole dialogue: its text fits the plan's per-request limit, and one pool speaks every voice.</summary>
    private static void CheckTogether(List<ValidatedSpeech> turns, PlanLimits plan, Dictionary<string, string[]> errors)
    {
        int characters = turns.Sum(t => Math.Max(t.Fields.Text.Length, t.SpokenCharacters));
        if (characters > plan.MaxTextChars)
        {
            errors["turns"] = [$"The turns' text is {characters} characters together; the '{plan.Id}' plan allows {plan.MaxTextChars} per request."];
        }
        for (int i = 1; i < turns.Count; i++)
        {
            if (turns[i].Pool != turns[0].Pool)
            {
                errors.TryAdd($"turns[{i}].voice", [$"This voice is spoken by the model '{turns[i].Pool}', the first turn's by '{turns[0].Pool}'; one model speaks a dialogue."]);
            }
        }
    }
}
