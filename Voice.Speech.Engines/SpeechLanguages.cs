namespace Voice.Speech.Engines;

/// <summary>The ten languages of Qwen3-TTS, by their ISO 639-1 codes: the platform's language set.</summary>
public static class SpeechLanguages
{
    public static readonly IReadOnlyList<string> All = ["en", "zh", "ja", "ko", "de", "fr", "ru", "pt", "es", "it"];

    public static readonly IReadOnlyDictionary<string, string> Names = new Dictionary<string, string>
    {
        ["en"] = "English", ["zh"] = "Chinese (Mandarin)", ["ja"] = "Japanese", ["ko"] = "Korean", ["de"] = "German",
        ["fr"] = "French", ["ru"] = "Russian", ["pt"] = "Portuguese", ["es"] = "Spanish", ["it"] = "Italian",
    };

    /// <summary>A short sentence per language for previews (Japanese in kana, which every engine reads).</summary>
    public static readonly IReadOnlyDictionary<string, string> SampleTexts = new Dictionary<string, string>
    {
        ["en"] = "Hello! This is how I sound. I hope you like my voice.",
        ["zh"] = "你好！这就是我的声音。希望你喜欢。",
        ["ja"] = "こんにちは。これが わたしの こえです。きにいって もらえると うれしいです。",
        ["ko"] = "안녕하세요! 제 목소리는 이렇습니다. 마음에 드셨으면 좋겠어요.",
        ["de"] = "Hallo! So klingt meine Stimme. Ich hoffe, sie gefällt Ihnen.",
        ["fr"] = "Bonjour ! Voici ma voix. J'espère qu'elle vous plaît.",
        ["ru"] = "Здравствуйте! Вот так звучит мой голос. Надеюсь, он вам нравится.",
        ["pt"] = "Olá! Esta é a minha voz. Espero que goste.",
        ["es"] = "¡Hola! Así suena mi voz. Espero que te guste.",
        ["it"] = "Ciao! Ecco come suona la mia voce. Spero che ti piaccia.",
    };

    public static bool IsKnown(string code) => All.Contains(code, StringComparer.Ordinal);
}
