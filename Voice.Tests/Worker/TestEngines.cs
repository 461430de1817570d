using System.Runtime.CompilerServices;
using Voice.Speech.Engines;

namespace Voice.Tests.Worker;

/// <summary>
/// Fake engines for failures and timings that a real engine cannot be made to produce on demand (a synthesis
/// that waits mid-text, an engine that crashes every time). Each says what it fakes.
/// </summary>
public sealed class GatedFakeEngine(int maxBatchSize = 1) : ISpeechEngine
{
    private readonly TaskCompletionSource _firstChunkSent = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public List<int> BatchSizes { get; } = [];

    public string Name => "gated-fake";

    public string Model => "fake";

    public SpeechEngineCapabilities Capabilities => FakeVoices.Capabilities(maxBatchSize);

    public Task<VoicePrompt> CreateVoiceAsync(VoiceSpec spec, CancellationToken cancellationToken) => FakeVoices.Create(Name, spec);

    /// <summary>Completes when the first chunk has been handed to the worker.</summary>
    public Task FirstChunkSent => _firstChunkSent.Task;

    public void Open() => _gate.TrySetResult();

    public Task WarmUpAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async IAsyncEnumerable<PcmChunk> SynthesizeAsync(SynthesisRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        yield return Tone(0.5);
        _firstChunkSent.TrySetResult();
        await _gate.Task.WaitAsync(cancellationToken);
        yield return Tone(1.0);
    }

    public async IAsyncEnumerable<(int Index, PcmChunk Chunk)> SynthesizeBatchAsync(IReadOnlyList<SynthesisRequest> requests, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        BatchSizes.Add(requests.Count);
        await Task.Yield();
        for (int i = 0; i < requests.Count; i++)
        {
            yield return (i, Tone(1.0));
        }
    }

    private static PcmChunk Tone(double progress)
    {
        var samples = new float[12_000];
        for (int i = 0; i < samples.Length; i++)
        {
            samples[i] = 0.3f * MathF.Sin(2 * MathF.PI * 440 * i / 24_000);
        }
        return new PcmChunk(samples, 24_000, progress);
    }
}

/// <summary>Fakes an engine whose process-level fault (a GPU out of memory, say) recurs on every attempt.</summary>
public sealed class CrashingFakeEngine : ISpeechEngine
{
    public int Calls;

    public string Name => "crashing-fake";

    public string Model => "fake";

    public SpeechEngineCapabilities Capabilities => FakeVoices.Capabilities(1);

    public Task<VoicePrompt> CreateVoiceAsync(VoiceSpec spec, CancellationToken cancellationToken) => FakeVoices.Create(Name, spec);

    public Task WarmUpAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async IAsyncEnumerable<PcmChunk> SynthesizeAsync(SynthesisRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Calls);
        await Task.Yield();
        throw new IOException("fake device fault");
#pragma warning disable CS0162 // an iterator needs a yield to be one
        yield break;
#pragma warning restore CS0162
    }
}

/// <summary>The fakes' voices: a prompt naming what it was made from (the fakes ignore it when speaking).</summary>
internal static class FakeVoices
{
    public static SpeechEngineCapabilities Capabilities(int maxBatchSize) => new(
        [VoiceMode.Preset, VoiceMode.Design, VoiceMode.Clone], SpeechLanguages.All, 24_000, 10_000, true, false, maxBatchSize, "none");

    public static Task<VoicePrompt> Create(string engine, VoiceSpec spec) => Task.FromResult(new VoicePrompt(
        engine, spec is PresetVoiceSpec ? VoiceMode.Preset : spec is DesignVoiceSpec ? VoiceMode.Design : VoiceMode.Clone,
        System.Text.Encoding.UTF8.GetBytes(spec.ToString()), "{}", [], "none"));
}
