using System.Runtime.CompilerServices;
using System.Text;

namespace Voice.Speech.Engines;

/// <summary>
/// An engine that does no synthesis: it returns silence of the length the text would take to speak, at once.
/// It measures and tests the platform around the engine (queue, ledger, storage) without paying for speech,
/// and exercises the batching path. Never a default: select it with <c>Speech:Engine=null</c>.
/// </summary>
public sealed class NullEngine : ISpeechEngine
{
    public const string EngineName = SpeechEngines.Null;
    private const int SampleRate = 24_000;
    private const double CharactersPerSecond = 16;

    public static readonly SpeechEngineCapabilities StaticCapabilities = NullDescription.Capabilities;

    public string Name => EngineName;

    public string Model => "silence";

    public SpeechEngineCapabilities Capabilities => StaticCapabilities;

    public Task WarmUpAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<VoicePrompt> CreateVoiceAsync(VoiceSpec spec, CancellationToken cancellationToken)
    {
        var (mode, what) = spec switch
        {
            PresetVoiceSpec preset => (VoiceMode.Preset, preset.Preset),
            DesignVoiceSpec design => (VoiceMode.Design, design.Description),
            CloneVoiceSpec clone => (VoiceMode.Clone, $"{clone.Reference.Length} samples"),
            _ => throw new NotSupportedException($"The null engine cannot make a voice from {spec.GetType().Name}."),
        };
        return Task.FromResult(new VoicePrompt(EngineName, mode, Encoding.UTF8.GetBytes(what), "{}", [], "none"));
    }

    public async IAsyncEnumerable<PcmChunk> SynthesizeAsync(SynthesisRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        int samples = Math.Max(1, (int)(request.Text.Length / CharactersPerSecond / request.Speed * SampleRate));
        await Task.Yield();
        yield return new PcmChunk(new float[samples], SampleRate, 1.0);
    }
}
