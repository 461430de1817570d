using Voice.Audio;
using Voice.Audio.Decoding;
using Voice.Audio.Encoding;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Audio;

/// <summary>Every output format decodes again — by ffprobe/ffmpeg and, where it reads the format, by our own decoder.</summary>
public sealed class CodecRoundTripTests
{
    private static readonly float[] Tone = Signals.Sine(440, 24_000, 36_000, amplitude: 0.5); // 1.5 s at 24 kHz
    private static readonly AudioMetadata Tags = new("espeak", "espeak-ng 1.51", "nova", "0199aaaa-bbbb-7ccc-8ddd-eeeeffff0000",
        DateTimeOffset.Parse("2026-11-28T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture), "abc123");

    [Theory]
    [InlineData("wav", "pcm_s16le", 24_000, true)]
    [InlineData("wav", "pcm_s16le", 24_000, false)]
    [InlineData("mp3", "mp3", 24_000, true)]
    [InlineData("mp3", "mp3", 24_000, false)]
    [InlineData("opus", "opus", 48_000, true)]
    [InlineData("opus", "opus", 48_000, false)]
    [InlineData("flac", "flac", 24_000, true)]
    [InlineData("flac", "flac", 24_000, false)]
    [InlineData("aac", "aac", 24_000, false)]
    public async Task EncodedFileHasTheRightCodecRateLengthAndTags(string format, string codec, int rate, bool seekable)
    {
        byte[] file = await EncodeAsync(format, seekable);

        var probe = await AudioTools.ProbeAsync(file);

        Assert.Equal(codec, probe.Codec);
        Assert.Equal(rate, probe.SampleRate);
        Assert.Equal(1, probe.Channels);
        if (seekable || format is "opus" or "aac")
        {
            Assert.InRange(probe.Duration, 1.45, 1.6);
        }
        Assert.Equal("0199aaaa-bbbb-7ccc-8ddd-eeeeffff0000", probe.Tags.GetValueOrDefault("VOICE_TASK") ?? Comment(probe));
    }

    [Theory]
    [InlineData("wav")]
    [InlineData("mp3")]
    [InlineData("opus")]
    [InlineData("flac")]
    public async Task OwnDecoderReadsOwnEncoderOutputBack(string format)
    {
        byte[] file = await EncodeAsync(format, seekable: true);

        var (audio, _) = AudioDecoder.Decode(file, AudioLimits.Reference);

        Assert.InRange(audio.Duration.TotalSeconds, 1.45, 1.6);
        var middle = audio.Samples.AsSpan(audio.Samples.Length / 4, audio.SampleRate / 2);
        Assert.InRange(AudioTools.DominantFrequency(middle, audio.SampleRate), 430, 450);
        Assert.InRange(Signals.Rms(middle), 0.25, 0.45); // 0.5 amplitude → 0.354 RMS, through a lossy codec
    }

    [Fact]
    public async Task PcmIsRawLittleEndianSixteenBit()
    {
        byte[] file = await EncodeAsync("pcm", seekable: false);

        Assert.Equal(Tone.Length * 2, file.Length);
        Assert.Equal(AudioTools.Pcm16(Tone), file);
    }

    [Fact]
    public async Task FlacIsLossless()
    {
        var (audio, _) = AudioDecoder.Decode(await EncodeAsync("flac", seekable: true), AudioLimits.Reference);

        Assert.Equal(AudioTools.Pcm16(Tone), AudioTools.Pcm16(audio.Samples));
    }

    private static async Task<byte[]> EncodeAsync(string format, bool seekable)
    {
        using var output = new MemoryStream();
        Stream target = seekable ? output : new ForwardOnly(output);
        await using (var encoder = AudioFormats.CreateEncoder(format, target, Tags))
        {
            // In two chunks, the way a stream arrives.
            await encoder.WriteAsync(Tone.AsMemory(0, 10_000), CancellationToken.None);
            await encoder.WriteAsync(Tone.AsMemory(10_000), CancellationToken.None);
            await encoder.CompleteAsync(CancellationToken.None);
        }
        return output.ToArray();
    }

    /// <summary>WAV keeps its tags in RIFF INFO, which ffprobe shows as a comment.</summary>
    private static string? Comment(AudioTools.Probe probe) =>
        probe.Tags.TryGetValue("comment", out var comment) && comment.Contains("VOICE_TASK=0199aaaa-bbbb-7ccc-8ddd-eeeeffff0000", StringComparison.Ordinal)
            ? "0199aaaa-bbbb-7ccc-8ddd-eeeeffff0000" : null;

    /// <summary>An output that cannot seek, like an HTTP response.</summary>
    private sealed class ForwardOnly(Stream inner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    }
}
