using System.Text.Json;
using Voice.Audio.Analysis;
using Voice.Audio.Resampling;
using Voice.Speech.Engines;
using Voice.Speech.Espeak;

namespace Voice.Tests.Speech;

/// <summary>Clone and design on the embedded engine: measured, not assumed.</summary>
public sealed class EspeakVoiceTests
{
    private const int Rate = 22_050;
    private const string Story = "Every morning the old fisherman walked down to the harbour. He checked his nets, talked to the gulls, and waited for the tide.";
    private readonly EspeakEngine _engine = new();

    public static TheoryData<string, int, int, string, string> References => new()
    {
        // variant, pitch, rate (wpm), language, text: the "high-pitched female, fast", a slow deep male, others.
        { "f5", 85, 260, "en", Story },
        { "m7", 10, 130, "en", Story },
        { "f3", 60, 200, "de", "Am Morgen ging der alte Fischer zum Hafen hinunter. Er prüfte seine Netze und wartete auf die Flut." },
        { "m1", 40, 150, "zh", "每天早上，老渔夫都走到港口。他检查渔网，和海鸥说话，等待潮水。" },
    };

    [Theory]
    [MemberData(nameof(References))]
    public async Task CloneMatchesTheReferencePitchAndPaceWithin15Percent(string variant, int pitch, int wpm, string language, string text)
    {
        var speaker = Prompt(new EspeakVoice(variant, pitch, 50, wpm));
        float[] recording = await SpeakAsync(speaker, text, language);
        float[] reference = PolyphaseResampler.Resample(recording, Rate, 24_000); // as the API stores it

        var clone = await _engine.CreateVoiceAsync(new CloneVoiceSpec(reference, 24_000, text, language), CancellationToken.None);
        var spoken = VoiceAnalyzer.Analyze(await SpeakAsync(clone, text, language), Rate);
        var target = VoiceAnalyzer.Analyze(recording, Rate);

        Assert.InRange(spoken.MedianF0Hz, target.MedianF0Hz * 0.85, target.MedianF0Hz * 1.15);
        // Pace: the same words take the same time (speaking time excludes pauses).
        Assert.InRange(spoken.SpeakingSeconds, target.SpeakingSeconds * 0.85, target.SpeakingSeconds * 1.15);
        using var analysis = JsonDocument.Parse(clone.AnalysisJson);
        Assert.Equal(target.MedianF0Hz, analysis.RootElement.GetProperty("reference").GetProperty("median_f0_hz").GetDouble(), 0);
        Assert.True(analysis.RootElement.GetProperty("pace_from_transcript").GetBoolean());
    }

    [Fact]
    public async Task CloneWithoutTranscriptStillMatchesPitchAndSaysPaceIsRough()
    {
        var speaker = Prompt(new EspeakVoice("f5", 85, 50, 175));
        float[] reference = PolyphaseResampler.Resample(await SpeakAsync(speaker, Story, "en"), Rate, 24_000);

        var clone = await _engine.CreateVoiceAsync(new CloneVoiceSpec(reference, 24_000, null, "en"), CancellationToken.None);
        var target = VoiceAnalyzer.Analyze(reference, 24_000);
        var spoken = VoiceAnalyzer.Analyze(await SpeakAsync(clone, "The library opens at nine on weekdays and closes early on Sundays.", "en"), Rate);

        Assert.InRange(spoken.MedianF0Hz, target.MedianF0Hz * 0.85, target.MedianF0Hz * 1.15);
        Assert.Contains(clone.Notes, n => n.Contains("reference_text", StringComparison.Ordinal));
        Assert.Equal("approximate", clone.Fidelity);
    }

    [Fact]
    public async Task CloneOfARecordingWithoutVoicedSpeechIsRefused()
    {
        var noise = new float[24_000 * 3];
        var random = new Random(7);
        for (int i = 0; i < noise.Length; i++)
        {
            noise[i] = (float)(random.NextDouble() - 0.5) * 0.2f;
        }

        await Assert.ThrowsAsync<ArgumentException>(() => _engine.CreateVoiceAsync(new CloneVoiceSpec(noise, 24_000, null, "en"), CancellationToken.None));
    }

    [Theory]
    [InlineData("deep slow male voice", "bright fast female voice", "en")]
    [InlineData("低沉缓慢的男声", "明亮快速的女声", "zh")]
    public async Task DesignsMoveF0AndPaceInTheDescribedDirection(string deepSlow, string brightFast, string language)
    {
        string text = language == "zh" ? "每天早上，老渔夫都走到港口。他检查渔网，等待潮水。" : Story;
        var low = await MeasureDesignAsync(deepSlow, text, language);
        var high = await MeasureDesignAsync(brightFast, text, language);

        Assert.True(high.MedianF0Hz > low.MedianF0Hz * 1.8, $"F0 {low.MedianF0Hz} → {high.MedianF0Hz} Hz");
        Assert.True(high.SpeakingSeconds < low.SpeakingSeconds * 0.75, $"speaking time {low.SpeakingSeconds} → {high.SpeakingSeconds} s");
    }

    [Fact]
    public void DesignParserReportsWhatItUnderstoodAndWhatItIgnored()
    {
        var designed = EspeakVoiceDesigner.Design("A warm, low-pitched male narrator with a pirate accent");

        Assert.StartsWith("m", designed.Voice.Variant, StringComparison.Ordinal);
        Assert.True(designed.Voice.Pitch < 40);
        Assert.Contains(designed.Recognized, r => r.StartsWith("warm", StringComparison.Ordinal));
        Assert.Contains(designed.Recognized, r => r.StartsWith("narrator", StringComparison.Ordinal));
        Assert.Equal(["pirate", "accent"], designed.Ignored);
    }

    [Theory]
    [InlineData("whispering woman", "whisperf")]
    [InlineData("耳语的男人", "whisper")]
    [InlineData("a robotic announcer", "robosoft")]
    [InlineData("年轻活泼的女声", "f3")]
    [InlineData("elderly gentleman", "m7")]
    public void DesignPicksTheVariant(string description, string variant)
    {
        Assert.Equal(variant, EspeakVoiceDesigner.Design(description).Voice.Variant);
    }

    [Fact]
    public void NegationAndIntensifiersShapeTheParameters()
    {
        var fast = EspeakVoiceDesigner.Design("fast woman").Voice;
        var veryFast = EspeakVoiceDesigner.Design("very fast woman").Voice;
        var notFast = EspeakVoiceDesigner.Design("not fast woman").Voice;

        Assert.True(veryFast.Rate > fast.Rate);
        Assert.True(notFast.Rate < EspeakVoice.DefaultRate);
        Assert.Equal(fast, EspeakVoiceDesigner.Design("fast woman").Voice); // deterministic
    }

    [Fact]
    public async Task DesignNotesNameTheIgnoredWords()
    {
        var prompt = await _engine.CreateVoiceAsync(new DesignVoiceSpec("a cheerful Scottish grandmother", "en"), CancellationToken.None);

        Assert.Contains(prompt.Notes, n => n.Contains("scottish", StringComparison.Ordinal));
        using var analysis = JsonDocument.Parse(prompt.AnalysisJson);
        Assert.Equal("scottish", analysis.RootElement.GetProperty("ignored")[0].GetString());
    }

    [Theory]
    [InlineData("a calm male narrator")]
    [InlineData("a bright young woman")]
    [InlineData("a whispering old man")]
    public async Task ADesignsVariantsAreRepeatableAndConsecutiveOnesSoundApart(string description)
    {
        var designed = EspeakVoiceDesigner.Design(description).Voice;
        // 11 consecutive variants from anywhere: every window of 4 (a design's candidates) over the 8 renderings.
        int start = Random.Shared.Next(0, int.MaxValue - 11);
        var variants = Enumerable.Range(start, 11).Select(v => EspeakVoiceDesigner.Vary(designed, v)).ToList();

        Assert.Equal(variants, Enumerable.Range(start, 11).Select(v => EspeakVoiceDesigner.Vary(designed, v)));
        Assert.Equal(designed, EspeakVoiceDesigner.Vary(designed, 0));
        // What the ear hears: every two candidates of a window differ in timbre (another espeak variant: another
        // formant set), in pitch by 2 or more semitones, or in pace by 5 % or more.
        var measured = new List<VoiceTraits>();
        foreach (int v in Enumerable.Range(start, 11))
        {
            var prompt = await _engine.CreateVoiceAsync(new DesignVoiceSpec(description, "en", v), CancellationToken.None);
            Assert.Equal(v, JsonDocument.Parse(prompt.AnalysisJson).RootElement.GetProperty("variant").GetInt32());
            measured.Add(VoiceAnalyzer.Analyze(await SpeakAsync(prompt, "The quick brown fox jumps over the lazy dog near the river bank.", "en"), Rate));
        }
        for (int a = 0; a < measured.Count; a++)
        {
            for (int b = a + 1; b < Math.Min(a + 4, measured.Count); b++)
            {
                Assert.NotEqual(variants[a], variants[b]);
                double semitones = Math.Abs(12 * Math.Log2(measured[a].MedianF0Hz / measured[b].MedianF0Hz));
                double pace = Math.Abs(measured[a].SpeakingSeconds / measured[b].SpeakingSeconds - 1);
                Assert.True(variants[a].Variant != variants[b].Variant || semitones >= 2 || pace >= 0.05,
                    $"{description}: variants {start + a} and {start + b} differ by {semitones:F1} semitones and {pace:P0} in pace");
            }
        }
    }

    private async Task<VoiceTraits> MeasureDesignAsync(string description, string text, string language)
    {
        var prompt = await _engine.CreateVoiceAsync(new DesignVoiceSpec(description, language), CancellationToken.None);
        return VoiceAnalyzer.Analyze(await SpeakAsync(prompt, text, language), Rate);
    }

    private static VoicePrompt Prompt(EspeakVoice voice) => new(EspeakEngine.EngineName, VoiceMode.Preset, voice.Serialize(), "{}", [], "approximate");

    private async Task<float[]> SpeakAsync(VoicePrompt prompt, string text, string language)
    {
        var samples = new List<float>();
        await foreach (var chunk in _engine.SynthesizeAsync(new SynthesisRequest(text, language, prompt), CancellationToken.None))
        {
            samples.AddRange(chunk.Samples.Span);
        }
        return [.. samples];
    }
}
