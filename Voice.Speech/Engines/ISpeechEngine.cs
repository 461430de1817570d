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
}

/// <summary>What an engine can do; the API validates requests against it before a job is queued.</summary>
public sealed record SpeechEngineCapabilities(
    IReadOnlyList<string> Languages,
    int SampleRate,
    int MaxTextLength,
    bool Streaming,
    bool RequiresGpu);

public sealed record SynthesisRequest(string Text, string Language, PresetVoice Voice, float Speed = 1.0f);

/// <summary>A block of mono float samples in [-1, 1].</summary>
public readonly record struct PcmChunk(ReadOnlyMemory<float> Samples, int SampleRate);
