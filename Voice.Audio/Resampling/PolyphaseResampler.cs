using System.Runtime.InteropServices;
using Voice.Audio.Native;

namespace Voice.Audio.Resampling;

/// <summary>
/// Band-limited sample-rate converter for any ratio, through libsoxr's "very high quality" recipe (polyphase and
/// FFT stages, linear phase): flat to 0.45 of the lower rate and about 150 dB down where an alias or image could reach
/// that band, faster than a hand-written direct-form filter of 125 dB (BENCHMARKS.md, Audio). Streaming: feed blocks
/// with <see cref="Process"/> and finish with <see cref="Flush"/>; output is time-aligned with the input (libsoxr
/// removes its filter's delay), and its length is ceil(inputLength × out / in), the input being followed by silence.
/// </summary>
public sealed unsafe class PolyphaseResampler
{
    private const int TailPadding = 64; // silence after the input, so the tail reaches the rounded-up length
    private readonly SoxrHandle _soxr;
    private readonly long _up;
    private readonly long _down;
    private long _inputCount;
    private long _outputCount;
    private bool _flushed;

    public PolyphaseResampler(int inputRate, int outputRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputRate);
        int gcd = Gcd(inputRate, outputRate);
        _up = outputRate / gcd;
        _down = inputRate / gcd;
        InputRate = inputRate;
        OutputRate = outputRate;
        var quality = LibSoxr.QualitySpecOf(LibSoxr.VeryHighQuality, 0);
        nint error;
        nint soxr = LibSoxr.Create(inputRate, outputRate, 1, &error, null, &quality, null);
        if (soxr == 0)
        {
            throw new InvalidOperationException($"libsoxr refused {inputRate} → {outputRate} Hz: {LibSoxr.Message(error)}");
        }
        _soxr = new SoxrHandle(soxr);
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
        var resampler = new PolyphaseResampler(inputRate, outputRate);
        var output = new List<float>((int)resampler.OutputLengthFor(input.Length) + TailPadding);
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
        _inputCount += input.Length;
        Run(input, output, long.MaxValue);
    }

    /// <summary>Emits the tail (the input is treated as followed by silence) and ends the stream.</summary>
    public void Flush(List<float> output)
    {
        if (_flushed)
        {
            return;
        }
        long limit = OutputLengthFor(_inputCount);
        Run(stackalloc float[TailPadding], output, limit);
        Run(default, output, limit, end: true);
        _flushed = true;
        _soxr.Dispose();
    }

    /// <summary>Feeds <paramref name="input"/> (or the end of input) and appends the output, up to <paramref name="limit"/> in all.</summary>
    private void Run(ReadOnlySpan<float> input, List<float> output, long limit, bool end = false)
    {
        while (true)
        {
            // Room for what this input yields (and a filter's worth of tail at the end), written straight into the list.
            int room = (int)Math.Clamp(OutputLengthFor(input.Length) + 256, 256, 1 << 20);
            int before = output.Count;
            CollectionsMarshal.SetCount(output, before + room);
            nuint consumed = 0, produced = 0;
            nint error;
            float none = 0;
            fixed (float* source = input)
            fixed (float* target = CollectionsMarshal.AsSpan(output)[before..])
            {
                // A null input is libsoxr's "the input has ended": an empty block (fixed gives null) must point somewhere.
                error = end
                    ? LibSoxr.Process(_soxr.Value, null, 0, null, target, (nuint)room, &produced)
                    : LibSoxr.Process(_soxr.Value, source == null ? &none : source, (nuint)input.Length, &consumed, target, (nuint)room, &produced);
            }
            if (error != 0)
            {
                CollectionsMarshal.SetCount(output, before);
                throw new InvalidOperationException("libsoxr: " + LibSoxr.Message(error));
            }
            int kept = (int)Math.Min((long)produced, Math.Max(0, limit - _outputCount));
            CollectionsMarshal.SetCount(output, before + kept);
            _outputCount += kept;
            input = input[(int)consumed..];
            if (input.IsEmpty && (int)produced < room)
            {
                return;
            }
        }
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }
        return a;
    }

    private sealed class SoxrHandle(nint handle) : SafeHandle(handle, ownsHandle: true)
    {
        public nint Value => IsClosed ? throw new ObjectDisposedException(nameof(PolyphaseResampler)) : handle;
        public override bool IsInvalid => handle == 0;

        protected override bool ReleaseHandle()
        {
            LibSoxr.Delete(handle);
            return true;
        }
    }
}
