using Voice.Audio.Analysis;
using Voice.Speech.Engines;
using Voice.Speech.Espeak;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Speech;

/// <summary>The embedded engine: the contract, plus what is particular to espeak-ng.</summary>
public sealed class EspeakEngineTests : SpeechEngineContract
{
    private readonly EspeakEngine _engine = new();

    protected override ISpeechEngine Engine => _engine;

    [Fact]
    public void DeclaresItsNativeRateAllModesAndApproximateFidelity()
    {
        Assert.Equal(22_050, _engine.Capabilities.SampleRate);
        Assert.Equal(SpeechLanguages.All, _engine.Capabilities.Languages);
        Assert.Equal([VoiceMode.Preset, VoiceMode.Design, VoiceMode.Clone], _engine.Capabilities.Modes);
        Assert.Equal("approximate", _engine.Capabilities.Fidelity);
        Assert.False(_engine.Capabilities.RequiresGpu);
        Assert.StartsWith("espeak-ng 1.", _engine.Model);
        Assert.Contains("kana", _engine.Capabilities.LanguageNotes!["ja"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConcurrentRequestsProduceTheSameAudioAsSequentialOnes()
    {
        // espeak-ng is not thread-safe; the engine must serialise without mixing voices or text.
        var onyx = await PresetAsync("onyx");
        var shimmer = await PresetAsync("shimmer");
        var expectedA = await SpeakAsync(onyx, "The first voice speaks this sentence.", "en");
        var expectedB = await SpeakAsync(shimmer, "Und die zweite Stimme spricht deutsch.", "de");

        var runs = Enumerable.Range(0, 8).Select(i => Task.Run(() => i % 2 == 0
            ? SpeakAsync(onyx, "The first voice speaks this sentence.", "en")
            : SpeakAsync(shimmer, "Und die zweite Stimme spricht deutsch.", "de"))).ToArray();
        var results = await Task.WhenAll(runs);

        // espeak-ng's output depends slightly on what it spoke before (±2% in length, ±5% in median pitch), so
        // runs are not bit-identical; mixed-up voices (~90 vs ~230 Hz) or text would change both far more.
        for (int i = 0; i < results.Length; i++)
        {
            var expected = i % 2 == 0 ? expectedA : expectedB;
            Assert.InRange(results[i].Length, expected.Length * 0.97, expected.Length * 1.03);
            double expectedF0 = VoiceAnalyzer.Analyze(expected, 22_050).MedianF0Hz;
            Assert.InRange(VoiceAnalyzer.Analyze(results[i], 22_050).MedianF0Hz, expectedF0 * 0.9, expectedF0 * 1.1);
        }
    }

    [Fact]
    public async Task PresetsDifferInPitchAsDescribed()
    {
        const string text = "A calm and steady sentence for measuring the pitch of a voice.";
        double onyx = VoiceAnalyzer.Analyze(await SpeakAsync(await PresetAsync("onyx"), text, "en"), 22_050).MedianF0Hz;
        double shimmer = VoiceAnalyzer.Analyze(await SpeakAsync(await PresetAsync("shimmer"), text, "en"), 22_050).MedianF0Hz;

        Assert.True(onyx < 120, $"onyx (deep male) at {onyx} Hz");
        Assert.True(shimmer > 200, $"shimmer (light female) at {shimmer} Hz");
    }

    [Fact]
    public async Task JapaneseKanjiAreSkippedWithAWarningNotReadAsLetterNames()
    {
        var mixed = EspeakEngine.CheckText("今日は いい てんきですね。", "ja");
        Assert.True(mixed.Speakable);
        Assert.Contains(mixed.Warnings, w => w.Contains("kana", StringComparison.Ordinal));

        var onlyKanji = EspeakEngine.CheckText("東京駅。", "ja");
        Assert.False(onlyKanji.Speakable);
        Assert.True(EspeakEngine.CheckText("こんにちは。", "ja") is { Speakable: true, Warnings.Count: 0 });
        Assert.True(EspeakEngine.CheckText("今日", "zh") is { Speakable: true, Warnings.Count: 0 });

        // Without the kanji the engine speaks only the kana: about as long as the kana alone.
        var prompt = await PresetAsync("alloy");
        var withKanji = await SpeakAsync(prompt, "今日は いい てんきですね。", "ja");
        var kanaOnly = await SpeakAsync(prompt, "は いい てんきですね。", "ja");
        Assert.InRange(withKanji.Length, kanaOnly.Length * 0.9, kanaOnly.Length * 1.1);
    }

    [Fact]
    public async Task MandarinReadsHanziAndTonedPinyinAlike()
    {
        var prompt = await PresetAsync("alloy");
        var hanzi = await SpeakAsync(prompt, "你好", "zh");
        var pinyin = await SpeakAsync(prompt, "ni3 hao3", "zh");

        // Two syllables either way; the misreading voice ("cmn") says "ni three hao three", twice as long.
        Assert.InRange(pinyin.Length, hanzi.Length * 0.7, hanzi.Length * 1.4);
        Assert.True(Signals.Rms(hanzi) > 0.01);
    }
}
