using Voice.Speech.Engines;
using Voice.Speech.Text;

namespace Voice.ApiService.Submissions;

/// <summary>
/// A speech request's <c>language</c> as the platform takes it: an ISO 639-1 code (any case; a region, as in
/// <c>pt-BR</c>, is dropped), a language's English name as Qwen3-TTS and vLLM's servers take it (<c>English</c>,
/// <c>Chinese</c>), or <c>auto</c>: the language <see cref="LanguageDetector"/> reads in the text. Absent,
/// undetected or not spoken here, it is none — which means the voice's language, else English.
/// </summary>
public static class RequestLanguage
{
    public const string Auto = "auto";

    /// <summary>The language to validate and route with (null: the voice's), and a warning when the text's language is not spoken here.</summary>
    public static (string? Language, string? Warning) Resolve(string? language, string? text)
    {
        if (language is null)
        {
            return (null, null);
        }
        string code = language.Trim().ToLowerInvariant();
        if (code != Auto)
        {
            int region = code.IndexOfAny(['-', '_']);
            return (region > 0 && SpeechLanguages.IsKnown(code[..region]) ? code[..region] : Named(code) ?? code, null);
        }
        string? detected = LanguageDetector.Detect(text ?? "");
        return detected is null || SpeechLanguages.IsKnown(detected)
            ? (detected, null)
            : (null, $"The text looks like '{detected}', which is not one of the languages spoken here ({string.Join(", ", SpeechLanguages.All)}); it is read in the voice's language.");
    }

    // "Chinese (Mandarin)" is called "Chinese".
    private static string? Named(string name) =>
        SpeechLanguages.Names.FirstOrDefault(n => string.Equals(n.Value.Split(" (")[0], name, StringComparison.OrdinalIgnoreCase)).Key;
}
