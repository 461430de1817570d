using System.Numerics;

namespace Voice.Audio.Analysis;

/// <summary>
/// The effective audio bandwidth of a recording: the highest frequency whose long-term level (Welch average of
/// Hann-windowed 2048-point spectra) is within 50 dB of the strongest band. A telephone recording resampled to
/// 48 kHz still reports about 4 kHz — exactly what a voice clone needs to know.
/// </summary>
public static class Bandwidth
{
    private const int Size = 2048;
    private const double Range = 50;

    public static double EffectiveHz(ReadOnlySpan<float> mono, int sampleRate)
    {
        if (mono.Length < Size)
        {
            return sampleRate / 2.0;
        }
        var power = new double[(Size / 2) + 1];
        var buffer = new Complex[Size];
        int hop = Size / 2, frames = 0;
        // At most ~200 frames: enough for a stable average, bounded work for a 60 s upload.
        int stride = Math.Max(hop, (mono.Length - Size) / 200);
        for (int start = 0; start + Size <= mono.Length; start += stride, frames++)
        {
            for (int i = 0; i < Size; i++)
            {
                double window = 0.5 - (0.5 * Math.Cos(2 * Math.PI * i / (Size - 1)));
                buffer[i] = new Complex(mono[start + i] * window, 0);
            }
            Fft.Forward(buffer);
            for (int k = 0; k < power.Length; k++)
            {
                power[k] += buffer[k].Real * buffer[k].Real + buffer[k].Imaginary * buffer[k].Imaginary;
            }
        }
        // Smooth over ~1/6 octave-ish neighbourhoods (8 bins) so single tones do not decide.
        var level = new double[power.Length];
        double strongest = double.NegativeInfinity;
        for (int k = 0; k < power.Length; k++)
        {
            double sum = 0;
            int count = 0;
            for (int j = Math.Max(0, k - 4); j <= Math.Min(power.Length - 1, k + 4); j++)
            {
                sum += power[j];
                count++;
            }
            level[k] = 10 * Math.Log10((sum / count / frames) + 1e-20);
            // Below 80 Hz is hum and rumble, not voice.
            if (k * (double)sampleRate / Size >= 80)
            {
                strongest = Math.Max(strongest, level[k]);
            }
        }
        for (int k = level.Length - 1; k > 0; k--)
        {
            if (level[k] >= strongest - Range)
            {
                return Math.Round(k * (double)sampleRate / Size);
            }
        }
        return 0;
    }
}

/// <summary>An in-place iterative radix-2 FFT (length a power of two).</summary>
public static class Fft
{
    public static void Forward(Span<Complex> data)
    {
        int n = data.Length;
        if (n == 0 || (n & (n - 1)) != 0)
        {
            throw new ArgumentException("The FFT length must be a power of two.", nameof(data));
        }
        for (int i = 1, j = 0; i < n; i++)
        {
            int bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1)
            {
                j ^= bit;
            }
            j ^= bit;
            if (i < j)
            {
                (data[i], data[j]) = (data[j], data[i]);
            }
        }
        for (int length = 2; length <= n; length <<= 1)
        {
            double angle = -2 * Math.PI / length;
            var step = new Complex(Math.Cos(angle), Math.Sin(angle));
            for (int i = 0; i < n; i += length)
            {
                var w = Complex.One;
                for (int k = 0; k < length / 2; k++)
                {
                    var even = data[i + k];
                    var odd = data[i + k + (length / 2)] * w;
                    data[i + k] = even + odd;
                    data[i + k + (length / 2)] = even - odd;
                    w *= step;
                }
            }
        }
    }
}
