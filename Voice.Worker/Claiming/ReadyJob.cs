using Voice.Core.Jobs;
using Voice.Core.Lexicons;
using Voice.Core.Voices;
using Voice.Speech.Engines;

namespace Voice.Worker.Claiming;

/// <summary>
/// A claimed speech job ready for the engine: its voice resolved to a prompt, the tenant's lexicon applied to its
/// text (<see cref="Rewrites"/> map the engine's words back to the text that was sent).
/// </summary>
public sealed record ReadyJob(QueueEntry Entry, ClaimedJob Job, SynthesisRequest Request, VoiceProfile? Voice, IReadOnlyList<TextReplacement> Rewrites);

/// <summary>What a claim left to do: jobs to synthesise, and the entries of jobs already settled (to acknowledge).</summary>
public sealed record ClaimedWork(IReadOnlyList<ReadyJob> Ready, IReadOnlyList<QueueEntry> Settled);
