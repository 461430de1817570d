using System.Numerics;
using System.Runtime.InteropServices;

namespace Voice.Audio.Loudness;

/// <summary>
/// The largest magnitude of a signal oversampled 4× through <see cref="OversamplingFilter"/>, without producing the
/// oversampled signal: only the three in-between phases are interpolated (the
/// fourth is the input sample itself), a vector of neighbouring outputs at a time (each loaded input vector feeds the
/// three phases' multiply-adds; no horizontal sums), and only their maximum is kept. Streams in blocks, holding one
/// filter's length of history.
/// </summary>
internal sealed class TruePeakScanner
{
    private const int Oversampling = 4;
    private static readonly float[][] Phases = OversamplingFilter.Design(Oversampling)[1..];

    private readonly float[][] _phases;  // phases 1, 2, 3 of the 4× filter (phase 0 is the sample itself)
    private readonly int _taps;          // K
    private float[] _buffer;             // signal samples from index _offset (negative: leading silence)
    private int _buffered;
    private long _offset;
    private long _next;                  // next centre sample to interpolate after
    private long _count;                 // samples seen
    private float _peak;

    public TruePeakScanner()
    {
        _phases = Phases;
        _taps = _phases[0].Length;
        // Centre c reads samples c − K/2 + 1 … c + K/2: start with K/2 − 1 samples of silence before index 0.
        _buffer = new float[Math.Max(4096, 4 * _taps)];
        _buffered = (_taps / 2) - 1;
        _offset = -_buffered;
    }

    public void Add(ReadOnlySpan<float> samples)
    {
        foreach (float sample in samples)
        {
            _peak = Math.Max(_peak, Math.Abs(sample)); // phase 0: the sample itself
        }
        Append(samples);
        _count += samples.Length;
        Scan(availableUntil: _count);
    }

    /// <summary>The tail (the signal is followed by silence, as the resampler's flush assumes); the peak, linear.</summary>
    public float Finish()
    {
        Append(new float[_taps]);
        Scan(availableUntil: _count + _taps, limit: _count);
        return _peak;
    }

    private void Append(ReadOnlySpan<float> samples)
    {
        if (_buffered + samples.Length > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _buffered + samples.Length));
        }
        samples.CopyTo(_buffer.AsSpan(_buffered));
        _buffered += samples.Length;
    }

    /// <summary>Interpolates after every centre whose window ends before <paramref name="availableUntil"/>.</summary>
    private void Scan(long availableUntil, long limit = long.MaxValue)
    {
        int half = _taps / 2;
        long end = Math.Min(limit, availableUntil - half); // centre c needs samples up to c + K/2
        if (end <= _next)
        {
            return;
        }
        int start = (int)(_next - half + 1 - _offset);   // buffer index of the first window's first sample
        int centres = (int)(end - _next);
        ReadOnlySpan<float> buffer = _buffer.AsSpan(0, _buffered);
        ReadOnlySpan<float> p1 = _phases[0], p2 = _phases[1], p3 = _phases[2];
        ref float first = ref MemoryMarshal.GetReference(buffer);
        var peak = Vector<float>.Zero;
        int width = Vector<float>.Count;
        int c = 0;
        // Each input vector is loaded once per tap and feeds all three phases. The loads are unchecked: the last
        // one ends at the last centre's last sample (start + centres + K − 2), which the guard keeps in the buffer.
        if (start >= 0 && start + centres + _taps - 1 <= buffer.Length)
        {
            for (; c + width <= centres; c += width)
            {
                Vector<float> s1 = Vector<float>.Zero, s2 = Vector<float>.Zero, s3 = Vector<float>.Zero;
                for (int k = 0; k < _taps; k++)
                {
                    var v = Vector.LoadUnsafe(ref first, (nuint)(start + c + k));
                    s1 += v * p1[k];
                    s2 += v * p2[k];
                    s3 += v * p3[k];
                }
                peak = Vector.Max(peak, Vector.Max(Vector.Abs(s1), Vector.Max(Vector.Abs(s2), Vector.Abs(s3))));
            }
        }
        for (; c < centres; c++)
        {
            float v1 = 0, v2 = 0, v3 = 0;
            for (int k = 0; k < _taps; k++)
            {
                float x = buffer[start + c + k];
                v1 += x * p1[k];
                v2 += x * p2[k];
                v3 += x * p3[k];
            }
            _peak = Math.Max(_peak, Math.Max(Math.Abs(v1), Math.Max(Math.Abs(v2), Math.Abs(v3))));
        }
        for (int lane = 0; lane < width; lane++)
        {
            _peak = Math.Max(_peak, peak[lane]);
        }
        _next = end;
        // Keep what the next centre's window needs.
        int drop = Math.Clamp((int)(_next - half + 1 - _offset), 0, _buffered);
        _buffer.AsSpan(drop, _buffered - drop).CopyTo(_buffer);
        _buffered -= drop;
        _offset += drop;
    }
}
