namespace Voice.Tests.Infrastructure;

/// <summary>Test signals and measurements (not production DSP: plain loops, double precision).</summary>
public static class Signals
{
    public static float[] Sine(double frequency, int sampleRate, int length, double amplitude = 0.5)
    {
        var samples = new float[length];
        for (int i = 0; i < length; i++)
        {
            samples[i] = (float)(amplitude * Math.Sin(2 * Math.PI * frequency * i / sampleRate));
        }
        return samples;
    }

    public static double Rms(ReadOnlySpan<float> samples)
    {
        double sum = 0;
        foreach (float s in samples)
        {
            sum += s * s;
        }
        return samples.Length == 0 ? 0 : Math.Sqrt(sum / samples.Length);
    }

    /// <summary>Amplitude of the component at <paramref name="frequency"/> (Goertzel, Hann-windowed).</summary>
    public static double ToneAmplitude(ReadOnlySpan<float> samples, double frequency, int sampleRate)
    {
        double omega = 2 * Math.PI * frequency / sampleRate;
        double coefficient = 2 * Math.Cos(omega);
        double s1 = 0, s2 = 0, windowSum = 0;
        for (int i = 0; i < samples.Length; i++)
        {
            double window = 0.5 - (0.5 * Math.Cos(2 * Math.PI * i / (samples.Length - 1)));
            windowSum += window;
            double s0 = (samples[i] * window) + (coefficient * s1) - s2;
            s2 = s1;
            s1 = s0;
        }
        double power = (s1 * s1) + (s2 * s2) - (coefficient * s1 * s2);
        return 2 * Math.Sqrt(Math.Max(power, 0)) / windowSum;
    }

    public static double Decibels(double ratio) => 20 * Math.Log10(ratio);
}
