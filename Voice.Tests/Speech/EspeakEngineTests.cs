using Voice.Speech.Engines;
using Voice.Speech.Espeak;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Speech;

public sealed class EspeakEngineTests
{
    private readonly EspeakEngine _engine = new();

    [Theory]
    [InlineData("en", "Hello, this is a short test.")]
    [InlineData("de", "Guten Tag, wie geht es Ihnen?")]
    [InlineData("fr", "Bonjour, comment allez-vous?")]
    [InlineData("es", "Hola, ¿cómo estás?")]
    [InlineData("it", "Buongiorno, come stai?")]
    [InlineData("pt", "Bom dia, tudo bem?")]
    [InlineData("ru", "Здравствуйте, как дела?")]
    [InlineData("ko", "안녕하세요, 잘 지내세요?")]
    [InlineData("zh", "你好，今天天气很好。")]
    [InlineData("ja", "こんにちは、げんきですか。")]
    public async Task EveryPlatformLanguageProducesAudibleSpeech(string language, string text)
    {
        var samples = await SynthesizeAsync(new SynthesisRequest(text, language, PresetVoices.Find("alloy")!));

        double seconds = samples.Length / (double)_engine.Capabilities.SampleRate;
        Assert.InRange(seconds, 0.5, 10);
        Assert.True(Signals.Rms(samples) > 0.01, "the audio is silent");
    }

    [Fact]
    public void CapabilitiesDeclareTheNativeRateAndAllPlatformLanguages()
    {
        Assert.Equal(22_050, _engine.Capabilities.SampleRate);
        Assert.Equal(SpeechLanguages.All, _engine.Capabilities.Languages);
        Assert.False(_engine.Capabilities.RequiresGpu);
        Assert.StartsWith("espeak-ng 1.", _engine.Model);
    }

    [Fact]
    public async Task LongTextStreamsOneChunkPerSentence()
    {
        var request = new SynthesisRequest("First sentence here. Second one follows! And a third?", "en", PresetVoices.Find("nova")!);

        int chunks = 0;
        await foreach (var chunk in _engine.SynthesizeAsync(request, CancellationToken.None))
        {
            Assert.Equal(22_050, chunk.SampleRate);
            Assert.False(chunk.Samples.IsEmpty);
            chunks++;
        }

        Assert.Equal(3, chunks);
    }

    [Fact]
    public async Task ConcurrentRequestsProduceTheSameAudioAsSequentialOnes()
    {
        // espeak-ng is not thread-safe; the engine must serialise without mixing voices or text.
        var a = new SynthesisRequest("The first voice speaks this sentence.", "en", PresetVoices.Find("onyx")!);
        var b = new SynthesisRequest("Und die zweite Stimme spricht deutsch.", "de", PresetVoices.Find("shimmer")!);
        var expectedA = await SynthesizeAsync(a);
        var expectedB = await SynthesizeAsync(b);

        var runs = Enumerable.Range(0, 8).Select(i => Task.Run(() => SynthesizeAsync(i % 2 == 0 ? a : b))).ToArray();
        var results = await Task.WhenAll(runs);

        // espeak-ng's output depends slightly on what it spoke before (±2% in length), so runs are not
        // bit-identical; mixed-up voices or text would change the length and the pitch far more than that.
        for (int i = 0; i < results.Length; i++)
        {
            var expected = i % 2 == 0 ? expectedA : expectedB;
            Assert.InRange(results[i].Length, expected.Length * 0.97, expected.Length * 1.03);
            Assert.InRange(ZeroCrossingRate(results[i]), ZeroCrossingRate(expected) * 0.95, ZeroCrossingRate(expected) * 1.05);
        }
    }

    [Fact]
    public async Task LowerPitchedPresetSoundsLower()
    {
        var low = await SynthesizeAsync(new SynthesisRequest("A calm and steady sentence for pitch.", "en", PresetVoices.Find("onyx")!));
        var high = await SynthesizeAsync(new SynthesisRequest("A calm and steady sentence for pitch.", "en", PresetVoices.Find("shimmer")!));

        Assert.True(ZeroCrossingRate(low) < ZeroCrossingRate(high));
    }

    [Fact]
    public async Task UnsupportedLanguageIsRejected()
    {
        var request = new SynthesisRequest("Hallo", "xx", PresetVoices.Find("alloy")!);

        await Assert.ThrowsAsync<ArgumentException>(() => SynthesizeAsync(request));
    }

    [Fact]
    public async Task CanceledSynthesisStopsWithOperationCanceled()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        var request = new SynthesisRequest("This will never be spoken.", "en", PresetVoices.Find("alloy")!);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => SynthesizeAsync(request, cts.Token));
    }

    private async Task<float[]> SynthesizeAsync(SynthesisRequest request, CancellationToken cancellationToken = default)
    {
        var samples = new List<float>();
        await foreach (var chunk in _engine.SynthesizeAsync(request, cancellationToken))
        {
            samples.AddRange(chunk.Samples.Span);
        }
        return [.. samples];
    }

    private static double ZeroCrossingRate(float[] samples)
    {
        int crossings = 0;
        for (int i = 1; i < samples.Length; i++)
        {
            if ((samples[i - 1] < 0) != (samples[i] < 0))
            {
                crossings++;
            }
        }
        return crossings / (double)samples.Length;
    }
}
