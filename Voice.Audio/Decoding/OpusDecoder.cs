using System.Buffers.Binary;
using Concentus;
using Voice.Audio.Ogg;

namespace Voice.Audio.Decoding;

/// <summary>Ogg Opus (RFC 7845), mono or stereo (channel mapping family 0), decoded at 48 kHz with Concentus.</summary>
internal static class OpusDecoder
{
    private const int Rate = 48_000;
    private const int MaxFrameSamples = 5_760; // 120 ms at 48 kHz

    static OpusDecoder() => OpusCodecFactory.AttemptToUseNativeLibrary = false; // same result on every machine

    public static AudioBuffer Decode(ReadOnlyMemory<byte> file, AudioLimits limits)
    {
        var ogg = new OggPageReader(file);
        var head = ogg.NextPacket() ?? throw new AudioProblemException(AudioProblemKind.Corrupt, "The Opus stream is empty.");
        if (head.Length < 19 || !head.AsSpan(0, 8).SequenceEqual("OpusHead"u8))
        {
            throw new AudioProblemException(AudioProblemKind.Corrupt, "The Opus header is missing.");
        }
        int channels = head[9];
        int preSkip = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(10));
        int mapping = head[18];
        if (mapping != 0)
        {
            throw new AudioProblemException(AudioProblemKind.UnsupportedFormat, "Multichannel Opus (surround mapping) is not supported; send mono or stereo.");
        }
        limits.CheckFormat(Rate, channels);
        if (channels > 2)
        {
            throw new AudioProblemException(AudioProblemKind.Corrupt, "Opus mapping family 0 allows one or two channels.");
        }
        _ = ogg.NextPacket() ?? throw new AudioProblemException(AudioProblemKind.Corrupt, "The Opus comment header is missing."); // OpusTags

        var decoder = OpusCodecFactory.CreateDecoder(Rate, channels);
        using var sink = new SampleSink(limits, Rate, channels);
        var pcm = new float[MaxFrameSamples * channels];
        int skip = preSkip * channels;
        while (ogg.NextPacket() is { } packet)
        {
            if (packet.Length == 0)
            {
                continue;
            }
            int frames;
            try
            {
                frames = decoder.Decode(packet, pcm, MaxFrameSamples, false);
            }
            catch (Exception ex) when (ex is not AudioProblemException and not OutOfMemoryException)
            {
                throw new AudioProblemException(AudioProblemKind.Corrupt, "An Opus packet cannot be decoded.");
            }
            var decoded = pcm.AsSpan(0, frames * channels);
            int dropped = Math.Min(skip, decoded.Length);
            skip -= dropped;
            sink.Add(decoded[dropped..]);
        }
        return sink.ToBuffer();
    }
}
