using Voice.ApiService.Model;
using Voice.Audio.Encoding;
using Voice.Core.Billing;
using Voice.Core.Webhooks;
using Voice.Speech.Engines;

namespace Voice.ApiService.Submissions;

/// <summary>
/// A generate request's text, language, format, speed, timestamps and audio controls as checked against the plan and
/// the engine, with the engine's warnings. Each field that needs fixing adds its message to the errors map.
/// </summary>
public sealed record GenerateValidation(string Text, string Language, string Format, float Speed, bool Words, IReadOnlyList<string> Warnings,
    AudioControls Controls)
{
    public const float MinSpeed = 0.25f, MaxSpeed = 4f;

    /// <summary>The value of <c>timestamps</c> that asks for word timestamps.</summary>
    public const string WordTimestampsOption = "word";

    public static bool WantsWords(string? timestamps) => string.Equals(timestamps, WordTimestampsOption, StringComparison.OrdinalIgnoreCase);

    public static GenerateValidation Check(GenerateRequest request, SsrfGuard guard, SpeechEngineDescriptor engine, PlanLimits plan, string? voiceLanguage,
        Dictionary<string, string[]> errors)
    {
        bool words = WantsWords(request.Timestamps);
        string text = request.Text?.Trim() ?? "";
        if (words && text.Length > 0)
        {
            text = request.Text!; // kept as sent, so the words' character offsets index into the client's own text
        }
        int maxText = Math.Min(plan.MaxTextChars, engine.Capabilities.MaxTextLength);
        if (text.Length == 0)
        {
            errors["text"] = ["Text is required."];
        }
        else if (text.Length > maxText)
        {
            errors["text"] = [$"Text is {text.Length} characters; the '{plan.Id}' plan allows {maxText} per request."];
        }

        string language = request.Language ?? voiceLanguage ?? "en";
        if (!engine.Capabilities.Languages.Contains(language))
        {
            errors["language"] = [$"Unknown language '{language}'. Supported: {string.Join(", ", engine.Capabilities.Languages)}, or '{RequestLanguage.Auto}' to detect it from the text."];
        }

        string format = (request.Format ?? AudioFormats.Wav).ToLowerInvariant();
        if (!AudioFormats.IsKnown(format))
        {
            errors["format"] = [$"Unsupported format '{request.Format}'. Supported: {string.Join(", ", AudioFormats.All)}."];
        }
        else if (!AudioFormats.IsAvailable(format))
        {
            errors["format"] = [$"The '{format}' format is not available on this server."];
        }

        float speed = request.Speed ?? 1f;
        if (!float.IsFinite(speed) || speed is < MinSpeed or > MaxSpeed)
        {
            errors["speed"] = [$"{MinSpeed}–{MaxSpeed} (1 is the voice's natural pace)."];
        }

        if (request.Timestamps is not null && !words && !string.Equals(request.Timestamps, "none", StringComparison.OrdinalIgnoreCase))
        {
            errors["timestamps"] = ["'word' (the start and end of every word) or 'none'."];
        }
        else if (words && !engine.Capabilities.WordTimestamps)
        {
            errors["timestamps"] = [$"The '{engine.Name}' engine cannot time words."];
        }

        var controlWarnings = new List<string>();
        var controls = AudioControls.Check(request, format, engine, errors, controlWarnings);

        if (request.CallbackUrl is not null && guard.CheckUrl(request.CallbackUrl) is { } callbackProblem)
        {
            errors["callback_url"] = [callbackProblem];
        }

        if (errors.ContainsKey("text") || errors.ContainsKey("language"))
        {
            return new(text, language, format, speed, words, [], controls);
        }
        var check = engine.CheckText(text, language);
        if (!check.Speakable)
        {
            errors["text"] = [.. check.Warnings];
        }
        // An engine without pace control speaks at its natural pace; say so rather than refuse (OpenAI clients send speed).
        IReadOnlyList<string> warnings = speed != 1f && !engine.Capabilities.SpeedControl
            ? [.. check.Warnings, $"The '{engine.Name}' engine has no pace control: speed {speed} is not applied.", .. controlWarnings]
            : [.. check.Warnings, .. controlWarnings];
        return new(text, language, format, speed, words, warnings, controls);
    }
}
