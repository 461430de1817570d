using System.Buffers.Binary;

namespace Voice.Audio.Decoding;

/// <summary>
/// RIFF/WAVE: PCM 8/16/24/32-bit, IEEE float 32/64, WAVE_FORMAT_EXTENSIBLE; unknown and odd-sized chunks are
/// skipped; RF64 and compressed formats are refused. Sizes are checked against the bytes actually present.
/// </summary>
internal static class WavDecoder
{
    private const int MaxChunks = 1024;
    private const ushort FormatPcm = 1;
    private const ushort FormatFloat = 3;
    private const ushort FormatExtensible = 0xFFFE;

    public static AudioBuffer Decode(ReadOnlySpan<byte> file, AudioLimits limits)
    {
        if (file.Length < 12 || !file[..4].SequenceEqual("RIFF"u8) || !file[8..12].SequenceEqual("WAVE"u8))
        {
            throw Corrupt("It is not a RIFF/WAVE file.");
        }
        int position = 12;
        (ushort Tag, int Channels, int Rate, int Bits, int BlockAlign)? format = null;
        for (int chunks = 0; position + 8 <= file.Length; chunks++)
        {
            if (chunks >= MaxChunks)
            {
                throw Corrupt("The file has too many chunks.");
            }
            var id = file.Slice(position, 4);
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(file[(position + 4)..]);
            int body = position + 8;
            if (id.SequenceEqual("fmt "u8))
            {
                if (size < 16 || body + (long)size > file.Length)
                {
                    throw Corrupt("The format chunk is truncated.");
                }
                format = ReadFormat(file.Slice(body, (int)size));
            }
            else if (id.SequenceEqual("data"u8))
            {
                if (format is not { } f)
                {
                    throw Corrupt("The audio data comes before its format.");
                }
                long available = file.Length - body;
                // 0 and 0xFFFFFFFF are what streaming recorders write when they did not know the length.
                long length = size is 0 or uint.MaxValue ? available : size;
                if (length > available)
                {
                    throw Corrupt($"The file is truncated: it declares {length} bytes of audio but holds {available}.");
                }
                return Convert(file.Slice(body, (int)length), f, limits);
            }
            position = (int)Math.Min(file.Length, body + (long)size + (size & 1)); // chunks are padded to even sizes
        }
        throw Corrupt(format is null ? "The file has no format chunk." : "The file has no audio data.");
    }

    private static (ushort, int, int, int, int) ReadFormat(ReadOnlySpan<byte> fmt)
    {
        ushort tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
        int channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt[2..]);
        uint rate = BinaryPrimitives.ReadUInt32LittleEndian(fmt[4..]);
        int blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(fmt[12..]);
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt[14..]);
        if (tag == FormatExtensible)
        {
            if (fmt.Length < 40)
            {
                throw Corrupt("The extensible format chunk is truncated.");
            }
            tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt[24..]); // the sub-format GUID starts with the format tag
            int validBits = BinaryPrimitives.ReadUInt16LittleEndian(fmt[18..]);
            if (validBits > bits)
            {
                throw Corrupt("The valid bits exceed the container size.");
            }
        }
        return (tag, channels, rate > int.MaxValue ? int.MaxValue : (int)rate, bits, blockAlign);
    }

    private static AudioBuffer Convert(ReadOnlySpan<byte> data, (ushort Tag, int Channels, int Rate, int Bits, int BlockAlign) f, AudioLimits limits)
    {
        bool pcm = f.Tag == FormatPcm && f.Bits is 8 or 16 or 24 or 32;
        bool ieee = f.Tag == FormatFloat && f.Bits is 32 or 64;
        if (!pcm && !ieee)
        {
            throw new AudioProblemException(AudioProblemKind.UnsupportedFormat,
                $"WAV format {f.Tag} with {f.Bits}-bit samples is not supported (use PCM 8/16/24/32-bit or float 32/64-bit).");
        }
        limits.CheckFormat(f.Rate, f.Channels);
        int bytesPerSample = f.Bits / 8;
        if (f.BlockAlign != bytesPerSample * f.Channels)
        {
            throw Corrupt("The block alignment does not match the channels and sample size.");
        }
        long frames = data.Length / f.BlockAlign;
        limits.CheckSamples(frames * f.Channels, f.Rate, f.Channels);
        var samples = new float[frames * f.Channels];
        for (int i = 0; i < samples.Length; i++)
        {
            var s = data.Slice(i * bytesPerSample, bytesPerSample);
            samples[i] = (ieee, f.Bits) switch
            {
                (true, 32) => BinaryPrimitives.ReadSingleLittleEndian(s),
                (true, _) => (float)BinaryPrimitives.ReadDoubleLittleEndian(s),
                (false, 8) => (s[0] - 128) / 128f,
                (false, 16) => BinaryPrimitives.ReadInt16LittleEndian(s) / 32768f,
                (false, 24) => ((s[2] << 24) | (s[1] << 16) | (s[0] << 8)) / 2147483648f,
                _ => BinaryPrimitives.ReadInt32LittleEndian(s) / 2147483648f,
            };
            if (!float.IsFinite(samples[i]))
            {
                throw Corrupt("The file contains samples that are not numbers (NaN or infinity).");
            }
        }
        return new AudioBuffer(samples, f.Rate, f.Channels);
    }

    private static AudioProblemException Corrupt(string message) => new(AudioProblemKind.Corrupt, message);
}
