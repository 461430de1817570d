using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Voice.ApiService.Services;
using Voice.Core.Billing;
using Voice.Core.Jobs;

namespace Voice.ApiService.Submissions;

/// <summary>
/// The voice a generate request names: a preset, one of the tenant's profiles (<see cref="Key"/>), or an inline
/// source that becomes a transient profile for this request (<see cref="Inline"/>, known by its content's hash); its
/// mode, and for a prepared profile the prompt format it was prepared in (what the router tries to keep).
/// </summary>
public sealed record RequestedVoice(string? Key, VoiceSource? Inline, string? Language, byte[]? InlineHash,
    Voice.Speech.Engines.VoiceMode Mode = Voice.Speech.Engines.VoiceMode.Preset, string? PromptFormat = null);

/// <summary>
/// A speech request that passed validation against the engine of the pool it was routed to and the plan, with the
/// plan it was checked against (so a submission loads it once), the client's address (a transient clone's consent
/// records it), the length of what will be spoken once the tenant's pronunciation rules have rewritten the text (what
/// admission counts and reserves), and the pool.
/// </summary>
public sealed record ValidatedSpeech(PlanLimits Plan, RequestedVoice Voice, GenerateValidation Fields, string? CallbackUrl, string? ClientAddress,
    int SpokenCharacters, string Pool)
{
    public JobSpec Spec(string voice, bool stream) =>
        new(Fields.Text, Fields.Language, voice, Fields.Format, JobKinds.Speech, Fields.Speed, stream, Fields.Words, Fields.Controls.SampleRate,
            Fields.Controls.Seed, Fields.Controls.StreamingLatency, Fields.Controls.PreviousText, Fields.Controls.NextText);

    /// <summary>What "the same request" means for idempotency: the normalised fields (an inline voice by its content), not the body's bytes.</summary>
    public byte[] RequestHash() =>
        SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new[]
        {
            Fields.Text, Fields.Language, Voice.Key ?? Convert.ToHexString(Voice.InlineHash ?? []), Fields.Format, CallbackUrl ?? "",
            Fields.Speed.ToString(CultureInfo.InvariantCulture), Fields.Words ? GenerateValidation.WordTimestampsOption : "",
            $"{Fields.Controls.SampleRate}|{Fields.Controls.Seed}|{Fields.Controls.StreamingLatency}", Fields.Controls.PreviousText ?? "", Fields.Controls.NextText ?? "",
        })));
}
