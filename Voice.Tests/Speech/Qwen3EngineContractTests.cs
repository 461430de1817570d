using Microsoft.Extensions.Logging.Abstractions;
using Voice.Speech.Engines;
using Voice.Speech.Qwen3;

namespace Voice.Tests.Speech;

/// <summary>
/// The speech-engine contract, met by the Qwen3-TTS engine on the tiny model (CPU provider, fixed seed): its audio is
/// not speech, but it has the contract's shape — audible, as long as its text, streamed in order, smooth at the joins.
/// </summary>
public sealed class Qwen3EngineContractTests : SpeechEngineContract, IDisposable
{
    private readonly Qwen3Engine _engine = new(new Qwen3EngineOptions(Qwen3EngineTests.TinyModel, new OnnxProviderOptions("cpu"), Seed: 5), NullLogger.Instance);

    protected override ISpeechEngine Engine => _engine;

    public void Dispose() => _engine.Dispose();
}
