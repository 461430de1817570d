using Voice.ApiService.Model;
using Voice.Audio.Encoding;
using Voice.Speech.Engines;

namespace Voice.ApiService.Submissions;

/// <summary>
/// A speech request's audio controls as checked: the output <see cref="SampleRate"/> (null: the platform's 24 kHz; a
/// G.711 format's own 8 kHz), a sampling <see cref="Seed"/>, <see cref="StreamingLatency"/> (0–4), and the text around
/// this one (<see cref="PreviousText"/>, <see cref="NextText"/>: the edges that join it are trimmed of silence).
/// </summary>
public sealed record AudioControls(int? SampleRate, int? Seed, int? StreamingLatency, string? PreviousText, string? NextText)
{
    public const int MaxContextChars = 1_000, MaxStreamingLatency = 4;

    public static AudioControls Check(GenerateRequest request, string format, SpeechEngineDescriptor engine, Dictionary<string, string[]> errors,
        List<string> warnings)
    {
        int? rate = request.SampleRate;
        if (AudioFormats.FixedSampleRate(format) is { } fixedRate)
        {
            if (rate is not null && rate != fixedRate)
            {
                errors["sample_rate"] = [$"The '{format}' format is {fixedRate} Hz: leave sample_rate out or set it to {fixedRate}."];
            }
            rate = fixedRate;
        }
        else if (rate is not null && !AudioFormats.SampleRates.Contains(rate.Value))
        {
            errors["sample_rate"] = [$"One of {string.Join(", ", AudioFormats.SampleRates)} (Hz; 24000 when left out)."];
        }

        if (request.Seed is < 0 or > int.MaxValue)
        {
            errors["seed"] = [$"An integer from 0 to {int.MaxValue}."];
        }

        if (request.OptimizeStreamingLatency is < 0 or > MaxStreamingLatency)
        {
            errors["optimize_streaming_latency"] = [$"0 (best quality) to {MaxStreamingLatency} (earliest first audio)."];
        }
        else if (request.OptimizeStreamingLatency is not null && !engine.Capabilities.StreamingLatencyControl)
        {
            warnings.Add($"The '{engine.Name}' engine streams sentence by sentence: optimize_streaming_latency is not applied.");
        }

        foreach (var (field, text) in new[] { ("previous_text", request.PreviousText), ("next_text", request.NextText) })
        {
            if (text?.Length > MaxContextChars)
            {
                errors[field] = [$"Text is {text.Length} characters; at most {MaxContextChars}."];
            }
        }
        return new(rate, (int?)request.Seed, request.OptimizeStreamingLatency, Blank(request.PreviousText), Blank(request.NextText));
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
}
