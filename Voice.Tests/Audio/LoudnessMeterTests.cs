using Voice.Audio;
using Voice.Audio.Loudness;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Audio;

/// <summary>The meter against EBU Tech 3341's minimum-requirement signals (generated here) and against ffmpeg's ebur128.</summary>
public sealed class LoudnessMeterTests
{
    private const int Rate = 48_000;

    public static TheoryData<string, (double Dbfs, double Seconds)[], double> Tech3341 => new()
    {
        { "case 1", [(-23, 20)], -23.0 },
        { "case 2", [(-33, 20)], -33.0 },
        { "case 3", [(-36, 10), (-23, 60), (-36, 10)], -23.0 },
        { "case 4", [(-72, 10), (-36, 10), (-23, 60), (-36, 10), (-72, 10)], -23.0 },
        { "case 5", [(-26, 20), (-20, 20.1), (-26, 20)], -23.0 },
    };

    [Theory]
    [MemberData(nameof(Tech3341))]
    public void StereoToneSequencesReadWithinATenthOfALu(string name, (double Dbfs, double Seconds)[] parts, double expected)
    {
        var stereo = StereoTones(parts);

        double measured = LoudnessMeter.IntegratedLoudness(stereo, Rate, 2);

        Assert.True(Math.Abs(measured - expected) <= 0.1, $"{name}: {measured:F2} LUFS, expected {expected}");
    }

    [Theory]
    [InlineData(24_000)]
    [InlineData(22_050)]
    [InlineData(44_100)]
    public async Task MeterAgreesWithFfmpegAtOtherRates(int rate)
    {
        var speechLike = Modulated(rate, seconds: 8);
        byte[] wav = AudioTools.Wav16(speechLike, rate);

        double ours = LoudnessMeter.IntegratedLoudness(speechLike, rate, 1);
        double ffmpeg = await AudioTools.FfmpegLoudnessAsync(wav);

        Assert.True(Math.Abs(ours - ffmpeg) <= 0.1, $"ours {ours:F2} LUFS, ffmpeg {ffmpeg:F1} LUFS");
    }

    [Fact]
    public void TruePeakSeesPeaksBetweenSamples()
    {
        // A quarter-rate sine sampled at 45° phase: every sample is ±0.707, the waveform peaks at 1.0.
        var samples = Enumerable.Range(0, Rate).Select(i => (float)Math.Sin((Math.PI / 2 * i) + (Math.PI / 4))).ToArray();

        double samplePeak = 20 * Math.Log10(samples.Max(Math.Abs));
        double truePeak = LoudnessMeter.TruePeak(samples, Rate, 1);

        Assert.InRange(samplePeak, -3.1, -2.9);
        Assert.InRange(truePeak, -0.2, 0.2);
    }

    [Theory]
    [InlineData(24_000, 1, 1)]
    [InlineData(24_000, 1, 3)]
    [InlineData(24_000, 1, 85)]      // about one filter's length
    [InlineData(24_000, 1, 100_003)] // many blocks, a ragged last one
    [InlineData(22_050, 1, 40_000)]
    [InlineData(48_000, 2, 50_001)]
    public void TruePeakEqualsThePeakOfTheWholeSignalOversampledFourTimes(int rate, int channels, int frames)
    {
        var random = new Random(frames);
        var interleaved = new float[frames * channels];
        for (int i = 0; i < interleaved.Length; i++)
        {
            interleaved[i] = (float)((random.NextDouble() * 2) - 1) * (i % 997 == 0 ? 1f : 0.3f);
        }
        double whole = 0;
        for (int c = 0; c < channels; c++)
        {
            var channel = Enumerable.Range(0, frames).Select(i => interleaved[(i * channels) + c]).ToArray();
            whole = Math.Max(whole, OversampledPeak(channel));
        }
        // The same interpolation, summed in another order and precision: equal to 1e-4 dB.
        Assert.Equal(20 * Math.Log10(whole), LoudnessMeter.TruePeak(interleaved, rate, channels), 4);
    }

    /// <summary>The whole signal (silence before and after) interpolated at 4× directly, sample by sample, in double.</summary>
    private static double OversampledPeak(float[] signal)
    {
        var phases = OversamplingFilter.Design(4);
        int taps = phases[0].Length;
        double peak = 0;
        for (int n = 0; n < signal.Length; n++)
        {
            foreach (var phase in phases)
            {
                double sum = 0;
                for (int k = 0; k < taps; k++)
                {
                    int i = n - (taps / 2) + 1 + k;
                    sum += i >= 0 && i < signal.Length ? phase[k] * (double)signal[i] : 0;
                }
                peak = Math.Max(peak, Math.Abs(sum));
            }
        }
        return peak;
    }

    [Fact]
    public void SilenceAndTooShortSignalsHaveNoLoudness()
    {
        Assert.True(double.IsNegativeInfinity(LoudnessMeter.IntegratedLoudness(new float[Rate * 2], Rate, 1)));
        Assert.True(double.IsNegativeInfinity(LoudnessMeter.IntegratedLoudness(Signals.Sine(1000, Rate, Rate / 10), Rate, 1)));
    }

    private static float[] StereoTones((double Dbfs, double Seconds)[] parts)
    {
        var samples = new List<float>();
        long n = 0;
        foreach (var (dbfs, seconds) in parts)
        {
            double amplitude = Math.Pow(10, dbfs / 20);
            for (long end = n + (long)(seconds * Rate); n < end; n++)
            {
                float s = (float)(amplitude * Math.Sin(2 * Math.PI * 1000 * n / Rate));
                samples.Add(s);
                samples.Add(s);
            }
        }
        return [.. samples];
    }

    /// <summary>Syllable-like bursts of a few tones with pauses: a signal where gating matters.</summary>
    internal static float[] Modulated(int rate, double seconds)
    {
        var samples = new float[(int)(rate * seconds)];
        for (int i = 0; i < samples.Length; i++)
        {
            double t = i / (double)rate;
            double envelope = Math.Max(0, Math.Sin(2 * Math.PI * 2.5 * t)) * (t % 2 < 1.6 ? 1 : 0.02);
            samples[i] = (float)(envelope * ((0.3 * Math.Sin(2 * Math.PI * 180 * t)) + (0.15 * Math.Sin(2 * Math.PI * 900 * t)) + (0.05 * Math.Sin(2 * Math.PI * 3100 * t))));
        }
        return samples;
    }
}
