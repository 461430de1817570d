using Voice.Audio.Analysis;

namespace Voice.Speech.Espeak;

/// <summary>A cloned voice: the chosen parameters, what the reference measured, and what the parameters render.</summary>
public sealed record MatchedVoice(EspeakVoice Voice, VoiceTraits Reference, VoiceTraits Rendered, bool PaceFromTranscript);

/// <summary>
/// Clones by analysis-by-synthesis: measure the reference (median F0, F0 range, pace), then speak with candidate
/// parameters, measure that with the same analyser, and correct pitch (secant steps on log F0), range and rate
/// (ratio steps) until the rendering is within a few percent — usually three or four probes. Measuring both
/// sides with one analyser cancels its biases, and espeak's per-language and per-variant differences need no
/// calibration tables. With the reference's transcript the candidate speaks the same words and pace is matched
/// by speaking time (accurate); without it, a probe sentence is spoken and pace is matched by syllable nuclei
/// per second, which depends on the words so much (measured: up to 60% off for Mandarin) that the rate is kept
/// within 25% of espeak's default.
/// </summary>
public static class EspeakVoiceMatcher
{
    private const int MaxProbes = 6;
    private const double Tolerance = 0.04;
    private const int MinGuessedRate = 130, MaxGuessedRate = 220;

    private static readonly Dictionary<string, string> ProbeTexts = new(StringComparer.Ordinal)
    {
        ["en"] = "The quick brown fox jumps over the lazy dog. We talked about the weather for a little while.",
        ["de"] = "Der schnelle braune Fuchs springt über den faulen Hund. Wir sprachen eine Weile über das Wetter.",
        ["fr"] = "Le renard brun rapide saute par-dessus le chien paresseux. Nous avons parlé du temps un moment.",
        ["es"] = "El rápido zorro marrón salta sobre el perro perezoso. Hablamos del tiempo durante un rato.",
        ["it"] = "La veloce volpe marrone salta sopra il cane pigro. Abbiamo parlato del tempo per un po'.",
        ["pt"] = "A rápida raposa marrom pula sobre o cão preguiçoso. Falamos sobre o tempo por um momento.",
        ["ru"] = "Быстрая коричневая лиса прыгает через ленивую собаку. Мы немного поговорили о погоде.",
        ["ko"] = "빠른 갈색 여우가 게으른 개를 뛰어넘습니다. 우리는 잠시 날씨에 대해 이야기했습니다.",
        ["zh"] = "敏捷的棕色狐狸跳过了那只懒狗。我们聊了一会儿天气。",
        ["ja"] = "すばやい ちゃいろの きつねが のろまな いぬを とびこえる。わたしたちは しばらく てんきの はなしを しました。",
    };

    /// <summary>Speaks <c>text</c> with a candidate voice; returns samples at <see cref="EspeakEngine.StaticCapabilities"/>' rate.</summary>
    public delegate Task<float[]> Speak(EspeakVoice voice, string text, CancellationToken cancellationToken);

    public static async Task<MatchedVoice> MatchAsync(float[] reference, int sampleRate, string? transcript, string language, Speak speak, CancellationToken cancellationToken)
    {
        var target = VoiceAnalyzer.Analyze(reference, sampleRate);
        if (target.MedianF0Hz <= 0 || target.SyllablesPerSecond <= 0)
        {
            throw new ArgumentException("No voiced speech was found in the reference recording.", nameof(reference));
        }
        bool sameWords = !string.IsNullOrWhiteSpace(transcript);
        string probe = sameWords ? transcript! : ProbeTexts.GetValueOrDefault(language, ProbeTexts["en"]);
        int outputRate = EspeakEngine.StaticCapabilities.SampleRate;

        // espeak's male variants sit around 80–170 Hz, the female ones around 140–300 Hz.
        var voice = new EspeakVoice(target.MedianF0Hz < 165 ? "m3" : "f2", 50, 50, EspeakVoice.DefaultRate);
        (int Pitch, double LogF0)? previous = null;
        MatchedVoice? best = null;
        double bestError = double.MaxValue;
        for (int i = 0; i < MaxProbes; i++)
        {
            var rendered = VoiceAnalyzer.Analyze(await speak(voice, probe, cancellationToken).ConfigureAwait(false), outputRate);
            if (rendered.MedianF0Hz <= 0 || rendered.SyllablesPerSecond <= 0)
            {
                break;
            }
            double pitchError = Math.Abs(Math.Log(rendered.MedianF0Hz / target.MedianF0Hz));
            double paceRatio = PaceRatio(target, rendered, sameWords);
            double rateError = Math.Abs(Math.Log(paceRatio));
            double error = Math.Max(pitchError, rateError);
            if (error < bestError)
            {
                (best, bestError) = (new MatchedVoice(voice, target, rendered, sameWords), error);
            }
            if (error < Tolerance && Math.Abs(rendered.F0RangeSemitones - target.F0RangeSemitones) < 1.5)
            {
                break;
            }
            voice = Next(voice, target, rendered, paceRatio, ref previous);
            if (!sameWords)
            {
                voice = voice with { Rate = Math.Clamp(voice.Rate, MinGuessedRate, MaxGuessedRate) };
            }
        }
        return best ?? throw new InvalidOperationException("espeak-ng produced no measurable speech for the probe text.");
    }

    /// <summary>How much faster the rendering is than the reference (1 = the same pace).</summary>
    private static double PaceRatio(VoiceTraits target, VoiceTraits rendered, bool sameWords) => sameWords
        ? target.SpeakingSeconds / rendered.SpeakingSeconds
        : rendered.SyllablesPerSecond / target.SyllablesPerSecond;

    private static EspeakVoice Next(EspeakVoice voice, VoiceTraits target, VoiceTraits rendered, double paceRatio, ref (int Pitch, double LogF0)? previous)
    {
        double logF0 = Math.Log(rendered.MedianF0Hz), wanted = Math.Log(target.MedianF0Hz);
        // Slope of log F0 per pitch step: measured between the last two probes, or about an octave over the scale.
        double slope = Math.Log(2) / 100;
        if (previous is { } last && last.Pitch != voice.Pitch)
        {
            double measured = (logF0 - last.LogF0) / (voice.Pitch - last.Pitch);
            if (measured > 0.0005)
            {
                slope = measured;
            }
        }
        previous = (voice.Pitch, logF0);
        int pitch = (int)Math.Round(voice.Pitch + ((wanted - logF0) / slope));
        // Roughly 6 range steps per semitone of 10–90% spread; espeak's duration scales with 1/rate.
        int range = (int)Math.Round(voice.Range + ((target.F0RangeSemitones - rendered.F0RangeSemitones) * 6));
        int rate = (int)Math.Round(voice.Rate / paceRatio);
        return (voice with { Pitch = pitch, Range = range, Rate = rate }).Clamped();
    }
}
