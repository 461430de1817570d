using System.Buffers;
using System.Buffers.Binary;

namespace Voice.Audio.Encoding;

/// <summary>
/// Conversions between float samples in [-1, 1] and signed 16-bit little-endian PCM. Both directions scale by
/// 32768 (clipping at 32767), so 16-bit audio survives a round trip through floats bit for bit.
/// </summary>
public static class Pcm16
{
    public static void FromFloat(ReadOnlySpan<float> samples, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, samples.Length * 2);
        for (int i = 0; i < samples.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(destination[(i * 2)..], ToShort(samples[i]));
        }
    }

    public static short ToShort(float sample)
    {
        float scaled = sample * 32768f;
        // NaN compares false everywhere, so it falls through to 0 instead of becoming garbage.
        return scaled >= 32767f ? short.MaxValue
            : scaled <= -32768f ? short.MinValue
            : float.IsNaN(scaled) ? (short)0
            : (short)MathF.Round(scaled);
    }

    /// <summary>Writes the samples as 16-bit PCM in blocks: memory stays one 32 KB buffer, however long the audio.</summary>
    public static async Task WriteAsync(Stream output, ReadOnlyMemory<float> samples, CancellationToken cancellationToken)
    {
        const int BlockSamples = 16 * 1024;
        byte[] block = ArrayPool<byte>.Shared.Rent(BlockSamples * 2);
        try
        {
            for (int offset = 0; offset < samples.Length; offset += BlockSamples)
            {
                int count = Math.Min(BlockSamples, samples.Length - offset);
                FromFloat(samples.Span.Slice(offset, count), block);
                await output.WriteAsync(block.AsMemory(0, count * 2), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(block);
        }
    }

    public static void ToFloat(ReadOnlySpan<short> samples, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, samples.Length);
        for (int i = 0; i < samples.Length; i++)
        {
            destination[i] = samples[i] / 32768f;
        }
    }
}
