namespace Voice.Speech.Engines;

/// <summary>The ten languages of Qwen3-TTS, by their ISO 639-1 codes: the platform's language set.</summary>
public static class SpeechLanguages
{
    public static readonly IReadOnlyList<string> All = ["en", "zh", "ja", "ko", "de", "fr", "ru", "pt", "es", "it"];

    public static bool IsKnown(string code) => All.Contains(code, StringComparer.Ordinal);
}
