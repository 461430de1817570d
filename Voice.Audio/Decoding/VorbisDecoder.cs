using NVorbis;

namespace Voice.Audio.Decoding;

/// <summary>
/// Ogg Vorbis through NVorbis. The Ogg layer is checked by our own reader first (structure and every page's
/// CRC): NVorbis can spin forever on a truncated or damaged stream, so it only ever sees intact ones.
/// </summary>
internal static class VorbisDecoder
{
    public static AudioBuffer Decode(ReadOnlyMemory<byte> file, AudioLimits limits)
    {
        var pages = new Ogg.OggPageReader(file);
        while (pages.NextPacket() is not null)
        {
        }

        using var stream = new MemoryStream(file.ToArray(), writable: false);
        using var reader = new VorbisReader(stream, closeOnDispose: false);
        limits.CheckFormat(reader.SampleRate, reader.Channels);
        using var sink = new SampleSink(limits, reader.SampleRate, reader.Channels);
        var buffer = new float[4096 * reader.Channels];
        int read;
        while ((read = reader.ReadSamples(buffer, 0, buffer.Length)) > 0)
        {
            sink.Add(buffer.AsSpan(0, read));
        }
        return sink.ToBuffer();
    }
}
