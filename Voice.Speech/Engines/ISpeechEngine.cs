using System.Runtime.CompilerServices;

namespace Voice.Speech.Engines;

/// <summary>
/// A text-to-speech engine. Engines are registered by name and chosen by configuration; the worker
/// records <see cref="Name"/> and <see cref="Model"/> on every result it produces.
/// </summary>
public interface ISpeechEngine
{
    string Name { get; }

    /// <summary>The model (and version) behind the engine, e.g. <c>espeak-ng 1.51</c>.</summary>
    string Model { get; }

    SpeechEngineCapabilities Capabilities { get; }

    /// <summary>Loads whatever the first request would otherwise pay for.</summary>
    Task WarmUpAsync(CancellationToken cancellationToken);

    /// <summary>Streams mono PCM at <see cref="SpeechEngineCapabilities.SampleRate"/> as the text is spoken.</summary>
    IAsyncEnumerable<PcmChunk> SynthesizeAsync(SynthesisRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Requests with equal keys may share one batch (one forward pass); by default, the same voice and language.
    /// </summary>
    string BatchKey(SynthesisRequest request) => $"{request.Voice.Name}|{request.Language}";

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
    IReadOnlyList<string> Languages,
    int SampleRate,
    int MaxTextLength,
    bool Streaming,
    bool RequiresGpu,
    int MaxBatchSize = 1);

public sealed record SynthesisRequest(string Text, string Language, PresetVoice Voice, float Speed = 1.0f);

/// <summary>A block of mono float samples in [-1, 1], and how much of the text is spoken once it has played.</summary>
public readonly record struct PcmChunk(ReadOnlyMemory<float> Samples, int SampleRate, double Progress = 0);
