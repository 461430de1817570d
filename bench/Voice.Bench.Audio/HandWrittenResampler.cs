using System.Numerics;
using System.Runtime.InteropServices;

namespace Voice.Bench.Audio;

/// <summary>
/// The platform's resampler before issue 27, kept here as a peer only (the product now calls libsoxr). Band-limited sample-rate converter for any rational ratio (e.g. 22,050 → 24,000 = 160/147): a
/// Kaiser-windowed sinc evaluated at the L phases of the ratio, precomputed once. Streaming: feed blocks
/// with <see cref="Process"/> and finish with <see cref="Flush"/>; output is time-aligned with the input
/// (zero delay), and its length is ceil(inputLength × out / in).
/// The defaults meet the platform's bar: flat (±0.1 dB) to 0.45 of the lower rate, and at least 120 dB
/// down from where an alias or image could reach that band. Kaiser's estimate gives the length:
/// (A − 7.95) / (14.36 · Δf/fs) taps for attenuation A over a transition Δf = 0.1 × the lower rate, which is
/// 41 sinc lobes each side whatever the ratio; β = 0.1102 (A − 8.7) ≈ 12.8 for A = 125 dB.
/// </summary>
internal sealed class HandWrittenResampler
{
    private readonly int _up;    // L
    private readonly int _down;  // M
    private readonly int _taps;  // K, even
    private readonly float[] _table; // L rows of K coefficients
    private float[] _buffer;     // input samples from absolute index _bufferStart
    private int _buffered;
    private long _bufferStart;
    private long _inputCount;
    private long _nextOutput;
    private bool _flushed;

    /// <param name="zeroCrossings">Sinc lobes on each side of the centre: more is sharper and slower.</param>
    /// <param name="passband">Cut-off (the −6 dB point) as a fraction of the lower Nyquist frequency.</param>
    /// <param name="kaiserBeta">Window shape: 12.8 puts the stop band near −125 dB.</param>
    public HandWrittenResampler(int inputRate, int outputRate, int zeroCrossings = 41, double passband = 1.0, double kaiserBeta = 12.8)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputRate);
        int gcd = Gcd(inputRate, outputRate);
        _up = outputRate / gcd;
        _down = inputRate / gcd;
        InputRate = inputRate;
        OutputRate = outputRate;

        // Cut-off in units of the input Nyquist; downsampling needs it below the output Nyquist.
        double cutoff = passband * Math.Min(1.0, (double)outputRate / inputRate);
        double halfWidth = zeroCrossings / cutoff;
        _taps = 2 * (int)Math.Ceiling(halfWidth);
        _table = new float[_up * _taps];
        double i0Beta = BesselI0(kaiserBeta);
        for (int phase = 0; phase < _up; phase++)
        {
            double fraction = (double)phase / _up;
            double sum = 0;
            Span<float> row = _table.AsSpan(phase * _taps, _taps);
            for (int k = 0; k < _taps; k++)
            {
                int m = k - (_taps / 2) + 1;      // input offset from the centre sample
                double tau = fraction - m;        // distance in input samples
                double ratio = tau / halfWidth;
                double window = Math.Abs(ratio) >= 1 ? 0 : BesselI0(kaiserBeta * Math.Sqrt(1 - (ratio * ratio))) / i0Beta;
                double value = cutoff * Sinc(cutoff * tau) * window;
                row[k] = (float)value;
                sum += value;
            }
            // Unity DC gain in every phase keeps a constant input constant (no phase-dependent ripple).
            for (int k = 0; k < _taps; k++)
            {
                row[k] = (float)(row[k] / sum);
            }
        }
        _buffer = new float[Math.Max(4096, _taps * 2)];
    }

    public int InputRate { get; }
    public int OutputRate { get; }

    /// <summary>Number of output samples a whole input of <paramref name="inputLength"/> samples yields.</summary>
    public long OutputLengthFor(long inputLength) => ((inputLength * _up) + _down - 1) / _down;

    /// <summary>Resamples a whole signal at once.</summary>
    public static float[] Resample(ReadOnlySpan<float> input, int inputRate, int outputRate)
    {
        if (inputRate == outputRate)
        {
            return input.ToArray();
        }
        var resampler = new HandWrittenResampler(inputRate, outputRate);
        var output = new List<float>((int)resampler.OutputLengthFor(input.Length));
        resampler.Process(input, output);
        resampler.Flush(output);
        return [.. output];
    }

    /// <summary>Consumes <paramref name="input"/> and appends every output sample that it fully determines.</summary>
    public void Process(ReadOnlySpan<float> input, List<float> output)
    {
        if (_flushed)
        {
            throw new InvalidOperationException("The resampler was flushed; create a new one for a new signal.");
        }
        Append(input);
        _inputCount += input.Length;
        Emit(output, availableUntil: _inputCount);
    }

    /// <summary>Emits the tail (the input is treated as followed by silence) and ends the stream.</summary>
    public void Flush(List<float> output)
    {
        if (_flushed)
        {
            return;
        }
        _flushed = true;
        Append(new float[_taps]);
        Emit(output, availableUntil: _inputCount + _taps, limit: OutputLengthFor(_inputCount));
    }

    private void Emit(List<float> output, long availableUntil, long limit = long.MaxValue)
    {
        int half = _taps / 2;
        ReadOnlySpan<float> table = _table;
        while (_nextOutput < limit)
        {
            long position = _nextOutput * _down;
            long centre = position / _up;
            if (centre + half >= availableUntil)
            {
                break;
            }
            int phase = (int)(position - (centre * _up));
            long first = centre - half + 1;
            ReadOnlySpan<float> row = table.Slice(phase * _taps, _taps);
            float value;
            if (first >= _bufferStart)
            {
                value = Dot(_buffer.AsSpan((int)(first - _bufferStart), _taps), row);
            }
            else
            {
                // Start of the signal: samples before index 0 are silence.
                int skip = (int)(_bufferStart - first);
                value = Dot(_buffer.AsSpan(0, _taps - skip), row[skip..]);
            }
            output.Add(value);
            _nextOutput++;
        }
        Compact(firstNeeded: ((_nextOutput * _down) / _up) - half + 1);
    }

    private void Append(ReadOnlySpan<float> input)
    {
        if (_buffered + input.Length > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _buffered + input.Length));
        }
        input.CopyTo(_buffer.AsSpan(_buffered));
        _buffered += input.Length;
    }

    private void Compact(long firstNeeded)
    {
        int drop = (int)Math.Clamp(firstNeeded - _bufferStart, 0, _buffered);
        if (drop == 0)
        {
            return;
        }
        _buffer.AsSpan(drop, _buffered - drop).CopyTo(_buffer);
        _buffered -= drop;
        _bufferStart += drop;
    }

    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int i = 0;
        float sum = 0;
        if (Vector.IsHardwareAccelerated && a.Length >= Vector<float>.Count)
        {
            var acc = Vector<float>.Zero;
            var va = MemoryMarshal.Cast<float, Vector<float>>(a);
            var vb = MemoryMarshal.Cast<float, Vector<float>>(b);
            for (int v = 0; v < va.Length; v++)
            {
                acc += va[v] * vb[v];
            }
            sum = Vector.Sum(acc);
            i = va.Length * Vector<float>.Count;
        }
        for (; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }
        return sum;
    }

    private static double Sinc(double x) => x == 0 ? 1.0 : Math.Sin(Math.PI * x) / (Math.PI * x);

    private static double BesselI0(double x)
    {
        // Power series; converges fast for the β values a window uses.
        double sum = 1, term = 1, halfX = x / 2;
        for (int k = 1; k < 64; k++)
        {
            term *= halfX / k;
            double squared = term * term;
            sum += squared;
            if (squared < sum * 1e-17)
            {
                break;
            }
        }
        return sum;
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }
        return a;
    }
}
