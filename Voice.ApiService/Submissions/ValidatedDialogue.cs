using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Voice.Core.Billing;
using Voice.Core.Jobs;

namespace Voice.ApiService.Submissions;

/// <summary>A dialogue whose every turn passed validation as a generate request would, all routed to one pool.</summary>
public sealed record ValidatedDialogue(PlanLimits Plan, IReadOnlyList<ValidatedSpeech> Turns, int PauseMs, string? CallbackUrl, string Pool)
{
    /// <summary>What will be spoken, as admission counts it: the turns' lengths after the tenant's pronunciation rules.</summary>
    public int SpokenCharacters => Turns.Sum(t => t.SpokenCharacters);

    public string Format => Turns[0].Fields.Format;

    public IReadOnlyList<string> Warnings => [.. Turns.SelectMany(t => t.Fields.Warnings).Distinct()];

    /// <summary>One job of kind dialogue: the turns' texts end to end, and which voice speaks which part; streamed as it is spoken, or not.</summary>
    public JobSpec Spec(bool stream)
    {
        var first = Turns[0].Fields;
        var script = new DialogueScript(PauseMs, [.. Turns.Select(t => new DialogueTurn(t.Voice.Key!, t.Fields.Language, t.Fields.Text.Length))]);
        return new JobSpec(string.Concat(Turns.Select(t => t.Fields.Text)), first.Language, Turns[0].Voice.Key!, first.Format, JobKinds.Dialogue,
            Stream: stream, WordTimestamps: first.Words, Dialogue: script);
    }

    /// <summary>What "the same dialogue" means for idempotency: the normalised fields, turn by turn, not the body's bytes.</summary>
    public byte[] RequestHash()
    {
        var first = Turns[0].Fields;
        string[] fields =
        [
            JobKinds.Dialogue, PauseMs.ToString(CultureInfo.InvariantCulture), first.Format, CallbackUrl ?? "",
            first.Words ? GenerateValidation.WordTimestampsOption : "",
            .. Turns.SelectMany(t => new[] { t.Voice.Key!, t.Fields.Language, t.Fields.Text }),
        ];
        return SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(fields)));
    }
}
