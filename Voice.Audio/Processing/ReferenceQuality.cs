namespace Voice.Audio.Processing;

/// <summary>Why a reference cannot make a good clone, and what to do about it.</summary>
public sealed record QualityIssue(string Code, string Message);

/// <summary>
/// The bar a clone reference must clear. Below it the voice would be unrecognisable or full of the recording's
/// flaws, so the upload is refused with each reason and the fix; above it, milder flaws are warnings.
/// </summary>
public static class ReferenceQuality
{
    public const double MinSpeechSeconds = 3;
    public const double MinSignalToNoiseDb = 15;
    public const double MaxClippedPercent = 2;
    public const double MinBandwidthHz = 3_000;

    public static IReadOnlyList<QualityIssue> Refusals(ReferenceReport report)
    {
        var issues = new List<QualityIssue>();
        if (report.SpeechSeconds < MinSpeechSeconds)
        {
            issues.Add(new("too-little-speech",
                $"Only {report.SpeechSeconds:0.#} s of the recording is speech; record at least {MinSpeechSeconds:0} s of continuous speaking (5–15 s is best)."));
        }
        if (report.SignalToNoiseDb < MinSignalToNoiseDb)
        {
            issues.Add(new("noisy",
                $"The background noise is too loud (signal-to-noise about {report.SignalToNoiseDb:0} dB, at least {MinSignalToNoiseDb:0} dB needed); record in a quiet room, close to the microphone."));
        }
        if (report.ClippedPercent > MaxClippedPercent)
        {
            issues.Add(new("clipped",
                $"{report.ClippedPercent:0.#}% of the samples are clipped (at most {MaxClippedPercent:0}% allowed); lower the recording level."));
        }
        if (report.BandwidthHz < MinBandwidthHz)
        {
            issues.Add(new("narrowband",
                $"The recording carries sound only up to {report.BandwidthHz / 1000:0.#} kHz; use a recording of at least telephone quality (16 kHz sampling or better)."));
        }
        return issues;
    }
}
