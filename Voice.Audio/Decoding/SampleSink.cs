using System.Buffers;

namespace Voice.Audio.Decoding;

/// <summary>
/// Collects decoded interleaved samples and stops the decoder the moment the audio exceeds the duration
/// limit or the decoded-samples budget, so a file that lies about its length, or compresses a huge signal into
/// a few kilobytes, costs at most the budget in memory and time.
/// </summary>
/// <remarks>
/// Samples go into fixed-size pooled blocks rather than a doubling array: a refused decode holds at most the
/// budget plus one block, and nothing it held lands on the large-object heap. The one array the size of the
/// audio is made by <see cref="ToBuffer"/>, after decoding succeeded. Dispose on every path to return the blocks.
/// </remarks>
internal sealed class SampleSink(AudioLimits limits, int sampleRate, int channels) : IDisposable
{
    private const int BlockLength = 1 << 16;
    private readonly List<float[]> _blocks = [];
    private long _count;

    public int SampleRate { get; } = sampleRate;

    public int Channels { get; } = channels;

    public void Add(ReadOnlySpan<float> samples)
    {
        limits.CheckSamples(_count + samples.Length, SampleRate, Channels);
        while (!samples.IsEmpty)
        {
            int offset = (int)(_count % BlockLength);
            if (offset == 0)
            {
                _blocks.Add(ArrayPool<float>.Shared.Rent(BlockLength));
            }
            int length = Math.Min(samples.Length, BlockLength - offset);
            samples[..length].CopyTo(_blocks[^1].AsSpan(offset));
            samples = samples[length..];
            _count += length;
        }
    }

    public AudioBuffer ToBuffer()
    {
        var samples = new float[_count - (_count % Channels)];
        for (int block = 0, copied = 0; copied < samples.Length; block++)
        {
            int length = Math.Min(BlockLength, samples.Length - copied);
            _blocks[block].AsSpan(0, length).CopyTo(samples.AsSpan(copied));
            copied += length;
        }
        return new AudioBuffer(samples, SampleRate, Channels);
    }

    public void Dispose()
    {
        foreach (float[] block in _blocks)
        {
            // Cleared: a tenant's audio must not outlive its request in a pool the whole process shares.
            ArrayPool<float>.Shared.Return(block, clearArray: true);
        }
        _blocks.Clear();
    }
}
