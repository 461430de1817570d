using System.Runtime.CompilerServices;
using System.Text.Json;
using Voice.Audio.Encoding;
using Voice.Audio.Processing;
using Voice.Speech.Engines;
using Voice.Speech.Text;

namespace Voice.Speech.Espeak;

/// <summary>
/// The embedded engine: espeak-ng through P/Invoke. Multilingual, CPU-only, no weights, robotic but
/// intelligible — it exists so the whole platform runs and is tested anywhere. A voice is an
/// <see cref="EspeakVoice"/> (variant, pitch, range, rate): presets map to fixed ones, designs are parsed from
/// their description (<see cref="EspeakVoiceDesigner"/>), clones are matched to the reference's pitch and
/// pace (<see cref="EspeakVoiceMatcher"/>). Long text streams sentence by sentence, stitched without clicks;
/// the native library is used through <see cref="EspeakSynthesizer"/>, one call at a time.
/// </summary>
public sealed class EspeakEngine : ISpeechEngine
{
    public const string EngineName = SpeechEngines.Espeak;
    public const string Fidelity = EspeakDescription.Fidelity;

    private static readonly Dictionary<string, string> LanguageVoices = new(StringComparer.Ordinal)
    {
        ["en"] = "en-us",
        ["zh"] = "cmn-latn-pinyin", // reads Hanzi and pinyin with the right tones; the "cmn" voice reads tone digits as English numbers
        ["ja"] = "ja",  // reads kana only; kanji are removed first (see CheckText)
        ["ko"] = "ko",
        ["de"] = "de",
        ["fr"] = "fr",
        ["ru"] = "ru",
        ["pt"] = "pt",
        ["es"] = "es",
        ["it"] = "it",
    };

    /// <summary>What each preset is on this engine.</summary>
    private static readonly Dictionary<string, EspeakVoice> Presets = new(StringComparer.OrdinalIgnoreCase)
    {
        ["alloy"] = new("f1", 30, 50, 175),
        ["ash"] = new("m3", 42, 45, 170),
        ["ballad"] = new("m5", 48, 70, 160),
        ["coral"] = new("f4", 58, 60, 175),
        ["echo"] = new("m1", 38, 40, 170),
        ["fable"] = new("m2", 55, 75, 180),
        ["onyx"] = new("m7", 25, 35, 160),
        ["nova"] = new("f3", 66, 65, 190),
        ["sage"] = new("f1", 45, 45, 165),
        ["shimmer"] = new("f5", 70, 55, 180),
        ["verse"] = new("m4", 47, 60, 185),
        ["marin"] = new("f2", 52, 50, 172),
        ["cedar"] = new("m6", 36, 45, 168),
        // Qwen3-TTS CustomVoice's speakers by name (Mandarin, English, Japanese, Korean voices; approximations here).
        ["vivian"] = new("f3", 68, 65, 185),
        ["serena"] = new("f4", 56, 50, 170),
        ["uncle_fu"] = new("m7", 22, 40, 155),
        ["dylan"] = new("m2", 50, 60, 185),
        ["eric"] = new("m6", 44, 55, 175),
        ["ryan"] = new("m3", 45, 65, 185),
        ["aiden"] = new("m1", 48, 55, 180),
        ["ono_anna"] = new("f5", 72, 70, 190),
        ["sohee"] = new("f2", 60, 55, 170),
    };

    public static readonly SpeechEngineCapabilities StaticCapabilities = EspeakDescription.Capabilities;

    public string Name => EngineName;

    public string Model => "espeak-ng " + EspeakSynthesizer.Version;

    public SpeechEngineCapabilities Capabilities => StaticCapabilities;

    public static TextCheck CheckText(string text, string language) => EspeakDescription.CheckText(text, language);

    TextCheck ISpeechEngine.CheckText(string text, string language) => CheckText(text, language);

    public async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        // Loads the library, its phoneme data and the default voice; the first real request then pays nothing.
        await EspeakSynthesizer.SynthesizeAsync("ready", new EspeakSynthesizer.Settings("en-us+m3", 175, 50, 50, 100), cancellationToken).ConfigureAwait(false);
    }

    public async Task<VoicePrompt> CreateVoiceAsync(VoiceSpec spec, CancellationToken cancellationToken)
    {
        RequireLanguage(spec.Language);
        switch (spec)
        {
            case PresetVoiceSpec { Instruct: { Length: > 0 } instruct } styled when PresetVoices.Find(styled.Preset) is { } known:
                // A style instruction: the voice designed from it, keeping the preset's gender unless it says otherwise.
                var shaped = EspeakVoiceDesigner.Design(known.Gender == VoiceGender.Neutral ? instruct : $"{instruct} A {known.Gender.ToString().ToLowerInvariant()} voice.");
                return Prompt(VoiceMode.Preset, shaped.Voice, new { preset = known.Name, instruction = instruct, parameters = shaped.Voice },
                    shaped.Ignored.Count > 0 ? [$"Not understood by the embedded engine and ignored: {string.Join(", ", shaped.Ignored)}."] : []);

            case PresetVoiceSpec preset:
                var voice = Presets.TryGetValue(preset.Preset, out var found)
                    ? found
                    : throw new ArgumentException($"Unknown preset '{preset.Preset}'.", nameof(spec));
                return Prompt(VoiceMode.Preset, voice, new { preset = preset.Preset.ToLowerInvariant(), parameters = voice }, []);

            case DesignVoiceSpec design:
                var designed = EspeakVoiceDesigner.Design(design.Description);
                if (design.Variant is { } variant)
                {
                    designed = designed with { Voice = EspeakVoiceDesigner.Vary(designed.Voice, variant) };
                }
                var notes = new List<string>();
                if (designed.Ignored.Count > 0)
                {
                    notes.Add($"Not understood by the embedded engine and ignored: {string.Join(", ", designed.Ignored)}.");
                }
                return Prompt(VoiceMode.Design, designed.Voice,
                    new { parameters = designed.Voice, variant = design.Variant, recognized = designed.Recognized, ignored = designed.Ignored }, notes);

            case CloneVoiceSpec clone:
                var match = await EspeakVoiceMatcher.MatchAsync(clone.Reference, clone.SampleRate, clone.ReferenceText, clone.Language,
                    async (candidate, text, token) => (await SpeakAsync(text, clone.Language, candidate, token).ConfigureAwait(false)).Samples, cancellationToken).ConfigureAwait(false);
                List<string> cloneNotes = ["The embedded engine imitates the reference's pitch, pitch range and pace, not its timbre."];
                if (!match.PaceFromTranscript)
                {
                    cloneNotes.Add("Without reference_text the pace is estimated roughly; give the transcript for a closer match.");
                }
                return Prompt(VoiceMode.Clone, match.Voice,
                    new { parameters = match.Voice, reference = match.Reference, rendered = match.Rendered, pace_from_transcript = match.PaceFromTranscript },
                    cloneNotes);

            default:
                throw new NotSupportedException($"The espeak engine cannot make a voice from {spec.GetType().Name}.");
        }
    }

    public async IAsyncEnumerable<PcmChunk> SynthesizeAsync(SynthesisRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        RequireLanguage(request.Language);
        if (request.Voice.Engine != EngineName)
        {
            throw new ArgumentException($"The voice was prepared by the '{request.Voice.Engine}' engine, not '{EngineName}'.", nameof(request));
        }
        var voice = EspeakVoice.Deserialize(request.Voice.Data);
        voice = voice with { Rate = (int)Math.Round(voice.Rate * Math.Clamp(request.Speed, 0.25f, 4f)) };
        // What is spoken, and for Japanese (kanji removed) where each of its characters stands in the request.
        var (text, origin) = request.Language == "ja" ? JapaneseText.WithoutKanjiMapped(request.Text) : (request.Text, null);
        (int, int) ToRequest(int start, int length) => origin is null
            ? (start, length)
            : (origin[start], origin[start + length - 1] + 1 - origin[start]);

        int rate = StaticCapabilities.SampleRate;
        var stitcher = new SentenceStitcher(rate);
        var sentences = SentenceSplitter.Segments(text).ToList();
        long played = 0;
        for (int i = 0; i < sentences.Count; i++)
        {
            var sentence = sentences[i];
            var (speech, words) = await SpeakAsync(sentence.Text, request.Language, voice, cancellationToken).ConfigureAwait(false);
            float[] stitched = stitcher.Push(speech);
            if (stitched.Length > 0)
            {
                var timings = EspeakWords.Locate(words, speech, sentence.Text, (start, length) => ToRequest(sentence.Start + start, length),
                    played + stitcher.LastOffset, played, played + stitched.Length, rate);
                yield return new PcmChunk(stitched, rate, (i + 1) / (double)sentences.Count, timings);
                played += stitched.Length;
            }
        }
    }

    private static async Task<(float[] Samples, IReadOnlyList<EspeakSynthesizer.Word> Words)> SpeakAsync(string text, string language, EspeakVoice voice, CancellationToken cancellationToken)
    {
        voice = voice.Clamped();
        var settings = new EspeakSynthesizer.Settings($"{LanguageVoices[language]}+{voice.Variant}", voice.Rate, voice.Pitch, voice.Range, voice.Volume);
        var utterance = await EspeakSynthesizer.SynthesizeAsync(text, settings, cancellationToken).ConfigureAwait(false);
        var samples = new float[utterance.Pcm.Length];
        Pcm16.ToFloat(utterance.Pcm, samples);
        return (samples, utterance.Words);
    }

    private static VoicePrompt Prompt(VoiceMode mode, EspeakVoice voice, object analysis, IReadOnlyList<string> notes) =>
        new(EngineName, mode, voice.Clamped().Serialize(), JsonSerializer.Serialize(analysis, AnalysisJson), notes, Fidelity);

    private static readonly JsonSerializerOptions AnalysisJson = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private static void RequireLanguage(string language)
    {
        if (!LanguageVoices.ContainsKey(language))
        {
            throw new ArgumentException($"The espeak engine does not speak '{language}'.", nameof(language));
        }
    }
}
