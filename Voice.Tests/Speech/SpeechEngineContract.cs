using System.Text.Json;
using Voice.Audio.Resampling;
using Voice.Speech.Engines;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Speech;

/// <summary>
/// What every speech engine must do, whatever its model: run each engine through it (espeak now; Qwen3-TTS
/// with tiny graphs later) by deriving a class that supplies the engine. Audio checks are about behaviour
/// (audible, plausible length, ordered, no clicks), never about a particular waveform.
/// </summary>
public abstract class SpeechEngineContract
{
    protected abstract ISpeechEngine Engine { get; }

    private const string Sentence = "The weather is pleasant today, and the park is full of people.";

    [Fact]
    public void CapabilitiesAreComplete()
    {
        var c = Engine.Capabilities;
        Assert.NotEmpty(c.Modes);
        Assert.NotEmpty(c.Languages);
        Assert.All(c.Languages, l => Assert.True(SpeechLanguages.IsKnown(l), $"'{l}' is not a platform language"));
        Assert.InRange(c.SampleRate, 8_000, 48_000);
        Assert.True(c.MaxTextLength >= 1_000);
        Assert.True(c.MaxBatchSize >= 1);
        Assert.False(string.IsNullOrWhiteSpace(c.Fidelity));
        Assert.False(string.IsNullOrWhiteSpace(Engine.Name));
        Assert.False(string.IsNullOrWhiteSpace(Engine.Model));
    }

    [Fact]
    public async Task WarmsUp()
    {
        await Engine.WarmUpAsync(CancellationToken.None);
    }

    [Fact]
    public async Task EveryPresetMakesAPromptThatSpeaks()
    {
        foreach (var preset in PresetVoices.All)
        {
            var prompt = await Engine.CreateVoiceAsync(new PresetVoiceSpec(preset.Name, "en"), CancellationToken.None);
            AssertPrompt(prompt, VoiceMode.Preset);
        }
        var audio = await SpeakAsync(await PresetAsync("nova"), Sentence, "en");
        Assert.True(Signals.Rms(audio) > 0.01, "silent");
    }

    [Fact]
    public async Task DesignedVoiceSpeaks()
    {
        Assert.Contains(VoiceMode.Design, Engine.Capabilities.Modes);
        var prompt = await Engine.CreateVoiceAsync(new DesignVoiceSpec("a calm, deep male narrator", "en"), CancellationToken.None);

        AssertPrompt(prompt, VoiceMode.Design);
        Assert.True(Signals.Rms(await SpeakAsync(prompt, Sentence, "en")) > 0.01, "silent");
    }

    [Fact]
    public async Task ClonedVoiceSpeaks()
    {
        Assert.Contains(VoiceMode.Clone, Engine.Capabilities.Modes);
        float[] reference = await ReferenceAsync("shimmer", "Good morning. I am recording a short sample of my voice for the clone.");

        var prompt = await Engine.CreateVoiceAsync(new CloneVoiceSpec(reference, 24_000, null, "en"), CancellationToken.None);

        AssertPrompt(prompt, VoiceMode.Clone);
        Assert.True(Signals.Rms(await SpeakAsync(prompt, Sentence, "en")) > 0.01, "silent");
    }

    [Fact]
    public async Task AStoredPromptSpeaksTheSameVoiceAgain()
    {
        var prompt = await Engine.CreateVoiceAsync(new DesignVoiceSpec("bright young woman", "en"), CancellationToken.None);
        var first = await SpeakAsync(prompt, Sentence, "en");

        // As the worker gets it back from the database: only the bytes survive.
        var stored = new VoicePrompt(prompt.Engine, prompt.Mode, [.. prompt.Data], prompt.AnalysisJson, prompt.Notes, prompt.Fidelity);
        var again = await SpeakAsync(stored, Sentence, "en");

        Assert.Equal(prompt.Key, stored.Key);
        Assert.InRange(again.Length, first.Length * 0.97, first.Length * 1.03);
    }

    [Fact]
    public async Task EveryDeclaredLanguageSpeaksForAPlausibleTime()
    {
        var prompt = await PresetAsync("alloy");
        foreach (string language in Engine.Capabilities.Languages)
        {
            string text = SpeechLanguages.SampleTexts[language];
            var audio = await SpeakAsync(prompt, text, language);
            double seconds = audio.Length / (double)Engine.Capabilities.SampleRate;
            Assert.True(seconds is > 1.0 and < 15, $"{language}: {seconds:0.00} s for {text.Length} characters");
            Assert.True(Signals.Rms(audio) > 0.01, $"{language}: silent");
        }
    }

    [Fact]
    public async Task LongTextStreamsInOrderWithRisingProgressAndNoClicks()
    {
        var prompt = await PresetAsync("echo");
        string text = string.Join(" ", Enumerable.Range(1, 12).Select(i => $"This is sentence number {i} of the story."));

        var chunks = new List<PcmChunk>();
        await foreach (var chunk in Engine.SynthesizeAsync(new SynthesisRequest(text, "en", prompt), CancellationToken.None))
        {
            Assert.Equal(Engine.Capabilities.SampleRate, chunk.SampleRate);
            chunks.Add(chunk);
        }

        Assert.True(chunks.Count >= 2, "long text should stream in more than one chunk");
        for (int i = 1; i < chunks.Count; i++)
        {
            Assert.True(chunks[i].Progress >= chunks[i - 1].Progress, "progress went backwards");
        }
        Assert.Equal(1.0, chunks[^1].Progress, 3);
        // A click is a step in the waveform: every chunk must start and end (near) silent so joins are smooth.
        foreach (var chunk in chunks)
        {
            var s = chunk.Samples.Span;
            Assert.True(Math.Abs(s[0]) < 0.01 && Math.Abs(s[^1]) < 0.01, $"chunk edge at {Math.Max(Math.Abs(s[0]), Math.Abs(s[^1])):0.000}");
        }
        double seconds = chunks.Sum(c => c.Samples.Length) / (double)Engine.Capabilities.SampleRate;
        Assert.InRange(seconds, 12 * 1.0, 12 * 6.0);
    }

    [Fact]
    public async Task SpeedChangesTheDurationWhereTheEngineControlsPace()
    {
        var prompt = await PresetAsync("sage");
        var normal = await SpeakAsync(prompt, Sentence, "en");
        var fast = await SpeakAsync(prompt, Sentence, "en", speed: 2f);

        double ratio = fast.Length / (double)normal.Length;
        if (Engine.Capabilities.SpeedControl)
        {
            Assert.InRange(ratio, 0.35, 0.7);
        }
        else
        {
            Assert.Equal(1.0, ratio); // declared without pace control: the API warns, the engine speaks at its natural pace
        }
    }

    [Fact]
    public async Task BatchAnswersEveryRequest()
    {
        var prompt = await PresetAsync("ash");
        var requests = new[] { new SynthesisRequest("First request.", "en", prompt), new SynthesisRequest("Second request here.", "en", prompt) };

        var seen = new HashSet<int>();
        await foreach (var (index, chunk) in Engine.SynthesizeBatchAsync(requests, CancellationToken.None))
        {
            Assert.False(chunk.Samples.IsEmpty);
            seen.Add(index);
        }

        Assert.Equal([0, 1], seen.Order());
    }

    [Fact]
    public async Task UnknownLanguageAndForeignPromptsAreRefused()
    {
        var prompt = await PresetAsync("alloy");
        await Assert.ThrowsAnyAsync<ArgumentException>(() => SpeakAsync(prompt, "Hallo", "xx"));
        var foreign = new VoicePrompt("another-engine", VoiceMode.Preset, [1, 2, 3], "{}", [], "none");
        await Assert.ThrowsAnyAsync<ArgumentException>(() => SpeakAsync(foreign, "Hello", "en"));
    }

    [Fact]
    public async Task CancellationStopsSynthesis()
    {
        var prompt = await PresetAsync("alloy");
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => SpeakAsync(prompt, Sentence, "en", cancellationToken: cts.Token));
    }

    protected Task<VoicePrompt> PresetAsync(string name) => Engine.CreateVoiceAsync(new PresetVoiceSpec(name, "en"), CancellationToken.None);

    /// <summary>A reference recording as the API stores it: the engine's own speech, at 24 kHz.</summary>
    protected async Task<float[]> ReferenceAsync(string preset, string text)
    {
        var audio = await SpeakAsync(await PresetAsync(preset), text, "en");
        return PolyphaseResampler.Resample(audio, Engine.Capabilities.SampleRate, 24_000);
    }

    protected async Task<float[]> SpeakAsync(VoicePrompt prompt, string text, string language, float speed = 1f, CancellationToken cancellationToken = default)
    {
        var samples = new List<float>();
        await foreach (var chunk in Engine.SynthesizeAsync(new SynthesisRequest(text, language, prompt, speed), cancellationToken))
        {
            samples.AddRange(chunk.Samples.Span);
        }
        return [.. samples];
    }

    private void AssertPrompt(VoicePrompt prompt, VoiceMode mode)
    {
        Assert.Equal(Engine.Name, prompt.Engine);
        Assert.Equal(mode, prompt.Mode);
        Assert.NotEmpty(prompt.Data);
        Assert.Equal(Engine.Capabilities.Fidelity, prompt.Fidelity);
        using var analysis = JsonDocument.Parse(prompt.AnalysisJson);
        Assert.Equal(JsonValueKind.Object, analysis.RootElement.ValueKind);
    }
}
