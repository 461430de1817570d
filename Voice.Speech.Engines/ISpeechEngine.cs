using System.Runtime.CompilerServices;

namespace Voice.Speech.Engines;

/// <summary>
/// A text-to-speech engine. Engines are registered by name and chosen by configuration; the worker records
/// <see cref="Name"/> and <see cref="Model"/> on every result. A voice is prepared once
/// (<see cref="CreateVoiceAsync"/>: an engine-specific, serialisable prompt) and then reused for every request.
/// </summary>
public interface ISpeechEngine
{
    string Name { get; }

    /// <summary>The model (and version) behind the engine, e.g. <c>espeak-ng 1.51</c>.</summary>
    string Model { get; }

    SpeechEngineCapabilities Capabilities { get; }

    /// <summary>Loads whatever the first request would otherwise pay for.</summary>
    Task WarmUpAsync(CancellationToken cancellationToken);

    /// <summary>Prepares a reusable voice from a preset, a description or a reference recording.</summary>
    Task<VoicePrompt> CreateVoiceAsync(VoiceSpec spec, CancellationToken cancellationToken);

    /// <summary>Streams mono PCM at <see cref="SpeechEngineCapabilities.SampleRate"/> as the text is spoken.</summary>
    IAsyncEnumerable<PcmChunk> SynthesizeAsync(SynthesisRequest request, CancellationToken cancellationToken);

    /// <summary>Whether the engine can speak the text, and what it will skip or change (shown to the client as warnings).</summary>
    TextCheck CheckText(string text, string language) => TextCheck.Fine;

    /// <summary>Requests with equal keys may share one batch (one forward pass); by default, the same voice and language.</summary>
    string BatchKey(SynthesisRequest request) => $"{request.Voice.Key}|{request.Language}";

    /// <summary>
    /// Synthesises up to <see cref="SpeechEngineCapabilities.MaxBatchSize"/> compatible requests together,
    /// streaming each chunk tagged with its request's index. Engines that cannot batch inherit this
    /// sequential fallback.
    /// </summary>
    async IAsyncEnumerable<(int Index, PcmChunk Chunk)> SynthesizeBatchAsync(IReadOnlyList<SynthesisRequest> requests, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (int i = 0; i < requests.Count; i++)
        {
            await foreach (var chunk in SynthesizeAsync(requests[i], cancellationToken).ConfigureAwait(false))
            {
                yield return (i, chunk);
            }
        }
    }
}

/// <summary>What an engine can do; the API validates requests against it before a job is queued.</summary>
public sealed record SpeechEngineCapabilities(
    IReadOnlyList<VoiceMode> Modes,
    IReadOnlyList<string> Languages,
    int SampleRate,
    int MaxTextLength,
    bool Streaming,
    bool RequiresGpu,
    int MaxBatchSize,
    string Fidelity,
    IReadOnlyDictionary<string, string>? LanguageNotes = null,
    bool WordTimestamps = false,
    bool SpeedControl = true,
    bool StreamingLatencyControl = false);

/// <summary>An engine's verdict on a text: whether anything of it can be spoken, and warnings about what will not.</summary>
public sealed record TextCheck(bool Speakable, IReadOnlyList<string> Warnings)
{
    public static readonly TextCheck Fine = new(true, []);
}

/// <summary>
/// What to speak, and how: <see cref="Seed"/> makes a sampling engine's output repeatable (a deterministic engine has no
/// use for it); <see cref="StreamingLatency"/> (0–4, null: the engine's default) trades how early the first chunk
/// comes for fewer, larger chunks, on engines with <see cref="SpeechEngineCapabilities.StreamingLatencyControl"/>.
/// </summary>
public sealed record SynthesisRequest(string Text, string Language, VoicePrompt Voice, float Speed = 1.0f, int? Seed = null, int? StreamingLatency = null);

/// <summary>
/// A block of mono float samples in [-1, 1], how much of the text is spoken once it has played, and the words
/// whose timing became known with it (engines with <see cref="SpeechEngineCapabilities.WordTimestamps"/>).
/// </summary>
public readonly record struct PcmChunk(ReadOnlyMemory<float> Samples, int SampleRate, double Progress = 0, IReadOnlyList<WordTiming>? Words = null);

/// <summary>
/// A spoken word: where it stands in the request's text (UTF-16 <see cref="Start"/> and <see cref="Length"/>)
/// and when it sounds, in seconds from the start of the request's audio.
/// </summary>
public readonly record struct WordTiming(int Start, int Length, double StartSeconds, double EndSeconds);
