using Voice.Speech.Text;

namespace Voice.Speech.Engines;

/// <summary>The embedded espeak-ng engine as the API sees it.</summary>
public static class EspeakDescription
{
    public const string Fidelity = "approximate";

    public static readonly SpeechEngineCapabilities Capabilities = new(
        Modes: [VoiceMode.Preset, VoiceMode.Design, VoiceMode.Clone],
        Languages: SpeechLanguages.All,
        SampleRate: 22_050,
        MaxTextLength: 50_000,
        Streaming: true,
        RequiresGpu: false,
        MaxBatchSize: 1,
        Fidelity: Fidelity,
        WordTimestamps: true,
        LanguageNotes: new Dictionary<string, string>
        {
            ["ja"] = "The embedded engine reads kana only: kanji are skipped. Write Japanese in hiragana or katakana.",
            ["zh"] = "Read through espeak-ng's pinyin voice: Hanzi and tone-numbered pinyin both work.",
        });

    /// <summary>What the engine will do to a text it cannot fully read: Japanese kanji are skipped.</summary>
    public static TextCheck CheckText(string text, string language)
    {
        if (language != "ja" || !JapaneseText.HasKanji(text))
        {
            return TextCheck.Fine;
        }
        string readable = JapaneseText.WithoutKanji(text);
        return string.IsNullOrWhiteSpace(JapaneseText.WithoutPunctuation(readable))
            ? new TextCheck(false, ["The text is written only in kanji, which the embedded engine cannot read; write it in kana."])
            : new TextCheck(true, ["The embedded engine reads Japanese kana only; the kanji in this text are skipped."]);
    }
}
