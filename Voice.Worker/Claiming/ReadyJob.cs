using Voice.Core.Jobs;
using Voice.Core.Lexicons;
using Voice.Core.Voices;
using Voice.Speech.Engines;

namespace Voice.Worker.Claiming;

/// <summary>
/// A claimed speech job ready for the engine: its voice resolved to a prompt, the tenant's lexicon applied to its
/// text (<see cref="Rewrites"/> map the engine's words back to the text that was sent). A dialogue is spoken turn by
/// turn (<see cref="Turns"/>); its <see cref="Request"/> is its first turn's.
/// </summary>
public sealed record ReadyJob(QueueEntry Entry, ClaimedJob Job, SynthesisRequest Request, VoiceProfile? Voice, IReadOnlyList<TextReplacement> Rewrites,
    IReadOnlyList<ReadyTurn>? Turns = null);

/// <summary>A dialogue turn ready for the engine: its request, its text as sent and where that starts in the job's text, its rewrites.</summary>
public sealed record ReadyTurn(SynthesisRequest Request, string Text, int Start, IReadOnlyList<TextReplacement> Rewrites);

/// <summary>What a claim left to do: jobs to synthesise, and the entries of jobs already settled (to acknowledge).</summary>
public sealed record ClaimedWork(IReadOnlyList<ReadyJob> Ready, IReadOnlyList<QueueEntry> Settled);
