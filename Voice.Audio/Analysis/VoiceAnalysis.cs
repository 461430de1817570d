using Voice.Audio.Resampling;

namespace Voice.Audio.Analysis;

/// <summary>Measurable traits of a voice recording: what a clone tries to match.</summary>
public sealed record VoiceTraits(
    double MedianF0Hz,
    double F0RangeSemitones,
    double SyllablesPerSecond,
    double SpeakingSeconds,
    double VoicedFraction,
    string Gender)
{
    public const string Male = "male";
    public const string Female = "female";
    public const string Neutral = "neutral";
}

/// <summary>
/// Pitch by YIN (de Cheveigné &amp; Kawahara 2002) on 40 ms frames every 10 ms, 60–500 Hz; speaking rate by
/// counting syllable nuclei (peaks of the smoothed energy envelope at least 100 ms apart and well above the
/// noise floor) over the time spent speaking.
/// </summary>
public static class VoiceAnalyzer
{
    private const double MinF0 = 60, MaxF0 = 500, YinThreshold = 0.15;

    /// <summary>Analysis runs at this rate: ample for 500 Hz pitch and energy, and 4× cheaper than 24 kHz.</summary>
    public const int AnalysisRate = 12_000;

    public static VoiceTraits Analyze(ReadOnlySpan<float> mono, int sampleRate)
    {
        if (sampleRate > AnalysisRate)
        {
            var reduced = PolyphaseResampler.Resample(mono, sampleRate, AnalysisRate);
            return Analyze(reduced, AnalysisRate);
        }
        var f0 = PitchTrack(mono, sampleRate);
        var voiced = f0.Where(f => f > 0).Order().ToArray();
        double median = voiced.Length == 0 ? 0 : voiced[voiced.Length / 2];
        double range = voiced.Length < 10 ? 0 : 12 * Math.Log2(voiced[voiced.Length * 9 / 10] / voiced[voiced.Length / 10]);
        string gender = median == 0 ? VoiceTraits.Neutral : median < 155 ? VoiceTraits.Male : median > 175 ? VoiceTraits.Female : VoiceTraits.Neutral;
        var (syllables, speaking) = Syllables(mono, sampleRate);
        return new VoiceTraits(Math.Round(median, 1), Math.Round(range, 2), speaking == 0 ? 0 : Math.Round(syllables / speaking, 2), Math.Round(speaking, 2),
            f0.Length == 0 ? 0 : Math.Round(voiced.Length / (double)f0.Length, 3), gender);
    }

    /// <summary>F0 per 10 ms frame (0 where unvoiced or silent).</summary>
    public static double[] PitchTrack(ReadOnlySpan<float> mono, int sampleRate)
    {
        int window = (int)(0.04 * sampleRate), hop = sampleRate / 100;
        int minLag = (int)(sampleRate / MaxF0), maxLag = Math.Min(window - 1, (int)(sampleRate / MinF0));
        int frames = Math.Max(0, ((mono.Length - window - maxLag) / hop) + 1);
        var track = new double[frames];
        var difference = new double[maxLag + 1];
        double silence = Math.Pow(10, -45 / 10.0);
        for (int f = 0; f < frames; f++)
        {
            var frame = mono.Slice(f * hop, window + maxLag);
            double energy = 0;
            for (int i = 0; i < window; i++)
            {
                energy += frame[i] * frame[i];
            }
            if (energy / window < silence)
            {
                continue;
            }
            // Difference function and its cumulative-mean normalisation.
            double running = 0;
            difference[0] = 1;
            int chosen = -1;
            for (int lag = 1; lag <= maxLag; lag++)
            {
                double sum = 0;
                for (int i = 0; i < window; i++)
                {
                    double d = frame[i] - frame[i + lag];
                    sum += d * d;
                }
                running += sum;
                difference[lag] = running == 0 ? 1 : sum * lag / running;
                if (chosen < 0 && lag >= minLag && difference[lag] < YinThreshold)
                {
                    chosen = lag;
                }
                else if (chosen > 0 && difference[lag] > difference[lag - 1])
                {
                    break; // left the dip below the threshold: its bottom is the period
                }
                if (chosen > 0 && difference[lag] < difference[chosen])
                {
                    chosen = lag;
                }
            }
            if (chosen <= 0)
            {
                continue;
            }
            // Parabolic interpolation around the minimum for sub-sample precision.
            double period = chosen;
            if (chosen > 1 && chosen < maxLag)
            {
                double a = difference[chosen - 1], b = difference[chosen], c = difference[chosen + 1];
                double denominator = a - (2 * b) + c;
                if (denominator > 0)
                {
                    period += (a - c) / (2 * denominator);
                }
            }
            track[f] = sampleRate / period;
        }
        return track;
    }

    /// <summary>
    /// Syllable nuclei, and the seconds spent speaking (pauses longer than 300 ms do not count). Both are
    /// approximate: nuclei merge in fast speech and split in slow speech, so the rate is compressive.
    /// </summary>
    public static (int Nuclei, double SpeakingSeconds) Syllables(ReadOnlySpan<float> mono, int sampleRate)
    {
        int hop = sampleRate / 100;
        int frames = mono.Length / hop;
        if (frames < 10)
        {
            return (0, 0);
        }
        var level = new double[frames];
        for (int f = 0; f < frames; f++)
        {
            double sum = 0;
            foreach (float s in mono.Slice(f * hop, hop))
            {
                sum += s * s;
            }
            level[f] = 10 * Math.Log10((sum / hop) + 1e-12);
        }
        // Smooth over 50 ms so each syllable is one hump.
        var smooth = new double[frames];
        for (int f = 0; f < frames; f++)
        {
            double sum = 0;
            int count = 0;
            for (int k = Math.Max(0, f - 2); k <= Math.Min(frames - 1, f + 2); k++)
            {
                sum += level[k];
                count++;
            }
            smooth[f] = sum / count;
        }
        var sorted = smooth.Order().ToArray();
        double floor = sorted[frames / 10], peak = sorted[frames * 98 / 100];
        double speaking = floor + ((peak - floor) * 0.35);
        int nuclei = 0, lastPeak = -100, speechFrames = 0, silentRun = 0;
        for (int f = 0; f < frames; f++)
        {
            if (smooth[f] > speaking)
            {
                speechFrames += 1 + (silentRun <= 30 ? silentRun : 0);
                silentRun = 0;
            }
            else
            {
                silentRun++;
            }
            bool isPeak = f > 0 && f < frames - 1 && smooth[f] >= smooth[f - 1] && smooth[f] > smooth[f + 1] && smooth[f] > speaking;
            // A nucleus must stand out from the dip before it by 2 dB and be 100 ms from the last one.
            if (isPeak && f - lastPeak >= 10 && smooth[f] - MinSince(smooth, lastPeak, f) >= 2)
            {
                nuclei++;
                lastPeak = f;
            }
        }
        return (nuclei, speechFrames / 100.0);
    }

    private static double MinSince(double[] values, int from, int to)
    {
        double min = double.MaxValue;
        for (int i = Math.Max(0, from); i < to; i++)
        {
            min = Math.Min(min, values[i]);
        }
        return min == double.MaxValue ? values[to] - 100 : min;
    }
}
