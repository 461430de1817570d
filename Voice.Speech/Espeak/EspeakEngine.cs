using System.Runtime.CompilerServices;
using Voice.Audio.Encoding;
using Voice.Speech.Engines;
using Voice.Speech.Text;

namespace Voice.Speech.Espeak;

/// <summary>
/// The embedded engine: espeak-ng through P/Invoke. Multilingual, CPU-only, no weights, robotic but
/// intelligible — it exists so the whole platform runs and is tested anywhere. Audio streams sentence by
/// sentence; the native library itself is used through <see cref="EspeakSynthesizer"/>, one call at a time.
/// </summary>
public sealed class EspeakEngine : ISpeechEngine
{
    public const string EngineName = "espeak";

    private static readonly Dictionary<string, string> LanguageVoices = new(StringComparer.Ordinal)
    {
        ["en"] = "en-us",
        ["zh"] = "cmn", // reads Hanzi; the pinyin voice would read tone digits as numbers
        ["ja"] = "ja",  // reads kana only: kanji come out as "Chinese letter"
        ["ko"] = "ko",
        ["de"] = "de",
        ["fr"] = "fr",
        ["ru"] = "ru",
        ["pt"] = "pt",
        ["es"] = "es",
        ["it"] = "it",
    };

    public string Name => EngineName;

    public string Model => "espeak-ng " + EspeakSynthesizer.Version;

    public SpeechEngineCapabilities Capabilities => new(
        Languages: SpeechLanguages.All,
        SampleRate: EspeakSynthesizer.SampleRate,
        MaxTextLength: 20_000,
        Streaming: true,
        RequiresGpu: false);

    public Task WarmUpAsync(CancellationToken cancellationToken)
    {
        _ = EspeakSynthesizer.SampleRate;
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<PcmChunk> SynthesizeAsync(SynthesisRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        int sampleRate = EspeakSynthesizer.SampleRate;
        if (!LanguageVoices.TryGetValue(request.Language, out var languageVoice))
        {
            throw new ArgumentException($"The espeak engine does not speak '{request.Language}'.", nameof(request));
        }
        var settings = new EspeakSynthesizer.Settings(
            VoiceName: $"{languageVoice}+{request.Voice.EspeakVariant}",
            Rate: Math.Clamp((int)MathF.Round(175 * request.Speed), 80, 450),
            Pitch: request.Voice.Pitch,
            Range: request.Voice.Range);

        var sentences = SentenceSplitter.Split(request.Text).ToList();
        for (int i = 0; i < sentences.Count; i++)
        {
            short[] pcm = await EspeakSynthesizer.SynthesizeAsync(sentences[i], settings, cancellationToken).ConfigureAwait(false);
            if (pcm.Length == 0)
            {
                continue;
            }
            var samples = new float[pcm.Length];
            Pcm16.ToFloat(pcm, samples);
            yield return new PcmChunk(samples, sampleRate, (i + 1) / (double)sentences.Count);
        }
    }
}
