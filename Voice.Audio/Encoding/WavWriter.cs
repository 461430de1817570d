using System.Buffers;
using System.Buffers.Binary;

namespace Voice.Audio.Encoding;

/// <summary>
/// Writes 16-bit PCM mono/multichannel RIFF WAVE. Float samples in [-1, 1] are clipped and rounded;
/// the header is written up front from the known sample count, so the output stream need not seek.
/// </summary>
public static class WavWriter
{
    public const int HeaderSize = 44;

    public static void WriteHeader(Span<byte> header, int sampleRate, int channels, long sampleFrames)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(header.Length, HeaderSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        const int bytesPerSample = 2;
        long dataBytes = sampleFrames * channels * bytesPerSample;
        if (dataBytes > uint.MaxValue - 36)
        {
            throw new ArgumentOutOfRangeException(nameof(sampleFrames), "A WAV file cannot hold more than 4 GiB of samples.");
        }

        "RIFF"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)(36 + dataBytes));
        "WAVE"u8.CopyTo(header[8..]);
        "fmt "u8.CopyTo(header[12..]);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], 16);
        BinaryPrimitives.WriteUInt16LittleEndian(header[20..], 1); // PCM
        BinaryPrimitives.WriteUInt16LittleEndian(header[22..], (ushort)channels);
        BinaryPrimitives.WriteUInt32LittleEndian(header[24..], (uint)sampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(header[28..], (uint)(sampleRate * channels * bytesPerSample));
        BinaryPrimitives.WriteUInt16LittleEndian(header[32..], (ushort)(channels * bytesPerSample));
        BinaryPrimitives.WriteUInt16LittleEndian(header[34..], 16);
        "data"u8.CopyTo(header[36..]);
        BinaryPrimitives.WriteUInt32LittleEndian(header[40..], (uint)dataBytes);
    }

    /// <summary>Writes a complete mono WAV file of <paramref name="samples"/> to <paramref name="output"/>.</summary>
    public static async Task WriteAsync(Stream output, ReadOnlyMemory<float> samples, int sampleRate, CancellationToken cancellationToken = default)
    {
        var header = new byte[HeaderSize];
        WriteHeader(header, sampleRate, channels: 1, samples.Length);
        await output.WriteAsync(header, cancellationToken).ConfigureAwait(false);

        const int blockSamples = 8192;
        byte[] block = ArrayPool<byte>.Shared.Rent(blockSamples * 2);
        try
        {
            for (int offset = 0; offset < samples.Length; offset += blockSamples)
            {
                int count = Math.Min(blockSamples, samples.Length - offset);
                Pcm16.FromFloat(samples.Span.Slice(offset, count), block.AsSpan(0, count * 2));
                await output.WriteAsync(block.AsMemory(0, count * 2), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(block);
        }
    }
}
