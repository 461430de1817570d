using Voice.Audio.Analysis;
using Voice.Audio.Loudness;
using Voice.Audio.Resampling;

namespace Voice.Audio.Processing;

/// <summary>
/// What preparing a reference recording found, for the client to act on: its length with and without silences,
/// how much of it is speech, level, clipping, noise, and the sample rate and bandwidth it really has.
/// </summary>
public sealed record ReferenceReport(
    double DurationSeconds,
    double SpeechSeconds,
    double SilenceRatio,
    double OriginalLoudnessLufs,
    double OriginalTruePeakDbtp,
    double ClippedPercent,
    double SignalToNoiseDb,
    double TrimmedSeconds,
    int SampleRate,
    double BandwidthHz,
    IReadOnlyList<string> Warnings);

/// <summary>A recording ready for an engine: mono, 24 kHz, trimmed and loudness-normalised.</summary>
public sealed record PreparedAudio(float[] Samples, ReferenceReport Report)
{
    public int SampleRate => AudioFormat.PlatformSampleRate;
}

/// <summary>
/// Turns decoded audio into what engines and listeners get: mono, 24 kHz (band-limited resampling), DC removed,
/// leading and trailing silence trimmed, integrated loudness normalised to a target (−16 LUFS) without letting the
/// true peak exceed a ceiling (−1 dBTP) — never a naive division by the peak.
/// </summary>
public static class AudioPreparer
{
    public const double TargetLufs = -16.0;
    public const double TruePeakCeilingDbtp = -1.0;
    private const double SilenceBelowDbfs = -50.0;
    private static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(50);

    /// <summary>Prepares an uploaded reference; refuses one that is too short or silent once trimmed.</summary>
    public static PreparedAudio PrepareReference(AudioBuffer audio, AudioLimits limits)
    {
        var warnings = new List<string>();
        double clipped = ClippedPercent(audio.Samples);
        if (clipped > 0.1)
        {
            warnings.Add($"{clipped:0.##}% of the samples are clipped; record at a lower level for a cleaner voice.");
        }
        var original = LoudnessMeter.Measure(audio);

        float[] mono = ToMono(audio);
        double bandwidth = Bandwidth.EffectiveHz(mono, audio.SampleRate);
        float[] resampled = audio.SampleRate == AudioFormat.PlatformSampleRate ? mono : PolyphaseResampler.Resample(mono, audio.SampleRate, AudioFormat.PlatformSampleRate);
        RemoveDc(resampled);
        var (trimmed, removedSeconds) = TrimSilence(resampled, AudioFormat.PlatformSampleRate);
        double duration = trimmed.Length / (double)AudioFormat.PlatformSampleRate;
        if (trimmed.Length == 0)
        {
            throw new AudioProblemException(AudioProblemKind.Silent, "The recording holds no speech above the noise.");
        }
        if (duration < limits.MinDuration.TotalSeconds)
        {
            throw new AudioProblemException(AudioProblemKind.TooShort,
                $"Without its silences the recording is {duration:0.##} s long; at least {limits.MinDuration.TotalSeconds:0.#} s of speech are needed.");
        }
        double snr = SignalToNoise(resampled, AudioFormat.PlatformSampleRate);
        if (snr < 20)
        {
            warnings.Add($"The background noise is high (signal-to-noise about {snr:0} dB); a quieter room gives a better clone.");
        }
        if (original.IntegratedLufs < -45)
        {
            warnings.Add($"The recording is very quiet ({original.IntegratedLufs:0.#} LUFS); it was amplified.");
        }
        if (bandwidth < 7_000)
        {
            warnings.Add($"The recording carries sound only up to about {bandwidth / 1000:0.#} kHz (telephone or heavy compression); a full-band recording clones better.");
        }
        Normalize(trimmed, AudioFormat.PlatformSampleRate);
        double speech = VoiceAnalyzer.Syllables(trimmed, AudioFormat.PlatformSampleRate).SpeakingSeconds;
        double total = audio.Duration.TotalSeconds;
        return new PreparedAudio(trimmed, new ReferenceReport(Math.Round(duration, 3), Math.Round(speech, 2),
            total <= 0 ? 0 : Math.Round(Math.Clamp(1 - (speech / total), 0, 1), 3),
            Round(original.IntegratedLufs), Round(original.TruePeakDbtp), Math.Round(clipped, 3), Math.Round(snr, 1), Math.Round(removedSeconds, 3),
            audio.SampleRate, bandwidth, warnings));
    }

    /// <summary>
    /// Scales mono audio in place to <paramref name="targetLufs"/>, lowering the gain if the true peak would pass the ceiling.
    /// Returns the applied gain in dB (0 for audio too short or quiet to measure).
    /// </summary>
    public static double Normalize(float[] samples, int sampleRate, double targetLufs = TargetLufs, double ceilingDbtp = TruePeakCeilingDbtp)
    {
        double loudness = LoudnessMeter.IntegratedLoudness(samples, sampleRate, 1);
        if (double.IsNegativeInfinity(loudness))
        {
            return 0;
        }
        double peak = LoudnessMeter.TruePeak(samples, sampleRate, 1);
        double gain = Math.Min(targetLufs - loudness, ceilingDbtp - peak);
        float factor = (float)Math.Pow(10, gain / 20);
        for (int i = 0; i < samples.Length; i++)
        {
            samples[i] *= factor;
        }
        return gain;
    }

    public static float[] ToMono(AudioBuffer audio)
    {
        if (audio.Channels == 1)
        {
            return (float[])audio.Samples.Clone();
        }
        var mono = new float[audio.Frames];
        for (int i = 0; i < mono.Length; i++)
        {
            float sum = 0;
            for (int c = 0; c < audio.Channels; c++)
            {
                sum += audio.Samples[(i * audio.Channels) + c];
            }
            mono[i] = sum / audio.Channels;
        }
        return mono;
    }

    /// <summary>Subtracts the mean: a constant offset wastes headroom and clicks at edits.</summary>
    private static void RemoveDc(float[] samples)
    {
        double mean = 0;
        foreach (float s in samples)
        {
            mean += s;
        }
        mean /= Math.Max(1, samples.Length);
        for (int i = 0; i < samples.Length; i++)
        {
            samples[i] -= (float)mean;
        }
    }

    /// <summary>Cuts leading and trailing 10 ms frames quieter than −50 dBFS (or 40 dB under the loudest frame), keeping a 50 ms margin.</summary>
    private static (float[] Trimmed, double RemovedSeconds) TrimSilence(float[] samples, int sampleRate)
    {
        int frame = sampleRate / 100;
        int frames = samples.Length / frame;
        if (frames == 0)
        {
            return (samples, 0);
        }
        var levels = new double[frames];
        double loudest = double.NegativeInfinity;
        for (int f = 0; f < frames; f++)
        {
            levels[f] = FrameDb(samples.AsSpan(f * frame, frame));
            loudest = Math.Max(loudest, levels[f]);
        }
        double threshold = Math.Max(SilenceBelowDbfs, loudest - 40);
        int first = Array.FindIndex(levels, l => l > threshold);
        int last = Array.FindLastIndex(levels, l => l > threshold);
        if (first < 0)
        {
            return ([], samples.Length / (double)sampleRate);
        }
        int margin = (int)(Margin.TotalSeconds * sampleRate);
        int start = Math.Max(0, (first * frame) - margin);
        int end = Math.Min(samples.Length, ((last + 1) * frame) + margin);
        return (samples[start..end], (samples.Length - (end - start)) / (double)sampleRate);
    }

    /// <summary>Speech level (90th percentile of 20 ms frames) over noise floor (10th percentile), in dB.</summary>
    private static double SignalToNoise(float[] samples, int sampleRate)
    {
        int frame = sampleRate / 50;
        int frames = samples.Length / frame;
        if (frames < 10)
        {
            return double.PositiveInfinity;
        }
        var levels = new double[frames];
        for (int f = 0; f < frames; f++)
        {
            levels[f] = FrameDb(samples.AsSpan(f * frame, frame));
        }
        Array.Sort(levels);
        double noise = Math.Max(levels[frames / 10], -120);
        return levels[frames * 9 / 10] - noise;
    }

    private static double FrameDb(ReadOnlySpan<float> frame)
    {
        double sum = 0;
        foreach (float s in frame)
        {
            sum += s * s;
        }
        return sum == 0 ? -120 : 10 * Math.Log10(sum / frame.Length);
    }

    private static double ClippedPercent(float[] samples)
    {
        int clipped = 0;
        foreach (float s in samples)
        {
            if (Math.Abs(s) >= 0.999f)
            {
                clipped++;
            }
        }
        return samples.Length == 0 ? 0 : 100.0 * clipped / samples.Length;
    }

    private static double Round(double value) => double.IsFinite(value) ? Math.Round(value, 2) : -120;
}
