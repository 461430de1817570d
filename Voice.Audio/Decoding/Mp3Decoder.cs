using NLayer;

namespace Voice.Audio.Decoding;

/// <summary>MPEG-1/2 Layer III through NLayer. The decoder's 529-sample delay is removed from the start.</summary>
internal static class Mp3Decoder
{
    private const int DecoderDelay = 529;

    public static AudioBuffer Decode(ReadOnlyMemory<byte> file, AudioLimits limits)
    {
        file = SkipId3Tags(file);
        using var stream = new MemoryStream(file.ToArray(), writable: false);
        using var mpeg = new MpegFile(stream);
        if (mpeg.SampleRate <= 0 || mpeg.Channels <= 0)
        {
            throw new AudioProblemException(AudioProblemKind.Corrupt, "No MP3 frames were found.");
        }
        limits.CheckFormat(mpeg.SampleRate, mpeg.Channels);
        using var sink = new SampleSink(limits, mpeg.SampleRate, mpeg.Channels);
        var buffer = new float[1152 * 2 * mpeg.Channels];
        int skip = DecoderDelay * mpeg.Channels;
        int read;
        while ((read = mpeg.ReadSamples(buffer, 0, buffer.Length)) > 0)
        {
            int dropped = Math.Min(skip, read);
            skip -= dropped;
            sink.Add(buffer.AsSpan(dropped, read - dropped));
        }
        return sink.ToBuffer();
    }

    /// <summary>
    /// Steps over leading ID3v2 tags ourselves: NLayer trusts a tag's declared size and allocates it, so a
    /// 10-byte header claiming 256 MB would cost 256 MB.
    /// </summary>
    private static ReadOnlyMemory<byte> SkipId3Tags(ReadOnlyMemory<byte> file)
    {
        while (file.Length >= 10 && file.Span[..3].SequenceEqual("ID3"u8))
        {
            var header = file.Span;
            if ((header[6] | header[7] | header[8] | header[9]) >= 0x80)
            {
                throw new AudioProblemException(AudioProblemKind.Corrupt, "The ID3 tag's size is malformed.");
            }
            long size = 10 + ((header[6] << 21) | (header[7] << 14) | (header[8] << 7) | header[9]) + ((header[5] & 0x10) != 0 ? 10 : 0);
            if (size > file.Length)
            {
                throw new AudioProblemException(AudioProblemKind.Corrupt, "The ID3 tag claims to be larger than the file.");
            }
            file = file[(int)size..];
        }
        return file;
    }
}
