namespace Voice.Audio.Loudness;

/// <summary>Integrated loudness (LUFS) and true peak (dBTP) of a signal.</summary>
public readonly record struct LoudnessReading(double IntegratedLufs, double TruePeakDbtp)
{
    public bool IsSilent => double.IsNegativeInfinity(IntegratedLufs);
}

/// <summary>
/// ITU-R BS.1770-4 / EBU R128 loudness: K-weighting (a high shelf and a high-pass, designed for the signal's own
/// sample rate by the bilinear transform), mean square over 400 ms blocks every 100 ms, an absolute gate at
/// −70 LUFS and a relative gate 10 LU below the absolute-gated level. True peak from 4× oversampling (<see cref="TruePeakScanner"/>).
/// </summary>
public static class LoudnessMeter
{
    private const double AbsoluteGate = -70.0;
    private const double RelativeGate = -10.0;

    public static LoudnessReading Measure(AudioBuffer audio) =>
        new(IntegratedLoudness(audio.Samples, audio.SampleRate, audio.Channels), TruePeak(audio.Samples, audio.SampleRate, audio.Channels));

    public static double IntegratedLoudness(ReadOnlySpan<float> interleaved, int sampleRate, int channels)
    {
        int frames = interleaved.Length / channels;
        int block = (int)Math.Round(0.4 * sampleRate);
        int step = (int)Math.Round(0.1 * sampleRate);
        if (frames < block)
        {
            return double.NegativeInfinity;
        }

        // K-weighted energy per 100 ms step, summed over channels with their weights; blocks are four steps.
        int steps = frames / step;
        var stepEnergy = new double[steps];
        for (int c = 0; c < channels; c++)
        {
            double weight = ChannelWeight(c, channels);
            if (weight == 0)
            {
                continue;
            }
            var filter = KWeighting.For(sampleRate);
            for (int s = 0; s < steps; s++)
            {
                double sum = 0;
                int end = (s + 1) * step;
                for (int i = s * step; i < end; i++)
                {
                    double y = filter.Process(interleaved[(i * channels) + c]);
                    sum += y * y;
                }
                stepEnergy[s] += weight * sum;
            }
        }
        int stepsPerBlock = block / step;
        int blocks = steps - stepsPerBlock + 1;
        var blockPower = new double[blocks];
        for (int b = 0; b < blocks; b++)
        {
            double sum = 0;
            for (int s = b; s < b + stepsPerBlock; s++)
            {
                sum += stepEnergy[s];
            }
            blockPower[b] = sum / (stepsPerBlock * step);
        }

        double absoluteThreshold = Power(AbsoluteGate);
        double gatedMean = Mean(blockPower, absoluteThreshold);
        if (double.IsNaN(gatedMean))
        {
            return double.NegativeInfinity;
        }
        double relativeThreshold = Power(Loudness(gatedMean) + RelativeGate);
        double integrated = Mean(blockPower, Math.Max(absoluteThreshold, relativeThreshold));
        return double.IsNaN(integrated) ? double.NegativeInfinity : Loudness(integrated);
    }

    /// <summary>
    /// The highest inter-sample peak (4× oversampled), in dBTP. The oversampling streams through blocks, so the
    /// memory it takes is a few blocks whatever the length (a whole 4× copy would be 16 bytes per input sample).
    /// </summary>
    public static double TruePeak(ReadOnlySpan<float> interleaved, int sampleRate, int channels)
    {
        const int BlockFrames = 8192;
        double peak = 0;
        int frames = interleaved.Length / channels;
        if (sampleRate >= 96_000)
        {
            // Above 96 kHz the signal is already sampled finely enough.
            double max = MaxAbs(interleaved);
            return max == 0 ? double.NegativeInfinity : 20 * Math.Log10(max);
        }
        var block = new float[Math.Min(BlockFrames, Math.Max(1, frames))];
        for (int c = 0; c < channels; c++)
        {
            var scanner = new TruePeakScanner();
            for (int start = 0; start < frames; start += block.Length)
            {
                int count = Math.Min(block.Length, frames - start);
                for (int i = 0; i < count; i++)
                {
                    block[i] = interleaved[((start + i) * channels) + c];
                }
                scanner.Add(block.AsSpan(0, count));
            }
            peak = Math.Max(peak, scanner.Finish());
        }
        return peak == 0 ? double.NegativeInfinity : 20 * Math.Log10(peak);
    }

    private static double MaxAbs(ReadOnlySpan<float> samples)
    {
        float max = 0;
        foreach (float sample in samples)
        {
            max = Math.Max(max, Math.Abs(sample));
        }
        return max;
    }

    private static double Mean(double[] powers, double threshold)
    {
        double sum = 0;
        int count = 0;
        foreach (double p in powers)
        {
            if (p > threshold)
            {
                sum += p;
                count++;
            }
        }
        return count == 0 ? double.NaN : sum / count;
    }

    private static double Loudness(double power) => -0.691 + (10 * Math.Log10(power));

    private static double Power(double loudness) => Math.Pow(10, (loudness + 0.691) / 10);

    /// <summary>BS.1770 weights: 1 for left, right and centre, 1.41 for the surrounds, 0 for LFE (5.1 order L R C LFE Ls Rs).</summary>
    private static double ChannelWeight(int channel, int channels) => channels switch
    {
        >= 6 when channel == 3 => 0,
        >= 5 when channel >= 4 => 1.41,
        _ => 1,
    };

    /// <summary>The two K-weighting biquads in series (coefficients as in libebur128, valid at any rate).</summary>
    private sealed class KWeighting
    {
        private readonly double _b0, _b1, _b2, _a1, _a2, _c0, _c1, _c2, _d1, _d2;
        private double _x1, _x2, _y1, _y2, _z1, _z2, _w1, _w2;

        private KWeighting(int rate)
        {
            double f0 = 1681.974450955533, gain = 3.999843853973347, q = 0.7071752369554196;
            double k = Math.Tan(Math.PI * f0 / rate);
            double vh = Math.Pow(10, gain / 20), vb = Math.Pow(vh, 0.4996667741545416);
            double a0 = 1 + (k / q) + (k * k);
            _b0 = (vh + (vb * k / q) + (k * k)) / a0;
            _b1 = 2 * ((k * k) - vh) / a0;
            _b2 = (vh - (vb * k / q) + (k * k)) / a0;
            _a1 = 2 * ((k * k) - 1) / a0;
            _a2 = (1 - (k / q) + (k * k)) / a0;

            f0 = 38.13547087602444;
            q = 0.5003270373238773;
            k = Math.Tan(Math.PI * f0 / rate);
            double a0h = 1 + (k / q) + (k * k);
            _c0 = 1;
            _c1 = -2;
            _c2 = 1;
            _d1 = 2 * ((k * k) - 1) / a0h;
            _d2 = (1 - (k / q) + (k * k)) / a0h;
        }

        public static KWeighting For(int rate) => new(rate);

        public double Process(double x)
        {
            double y = (_b0 * x) + (_b1 * _x1) + (_b2 * _x2) - (_a1 * _y1) - (_a2 * _y2);
            _x2 = _x1;
            _x1 = x;
            _y2 = _y1;
            _y1 = y;
            double z = (_c0 * y) + (_c1 * _z1) + (_c2 * _z2) - (_d1 * _w1) - (_d2 * _w2);
            _z2 = _z1;
            _z1 = y;
            _w2 = _w1;
            _w1 = z;
            return z;
        }
    }
}
