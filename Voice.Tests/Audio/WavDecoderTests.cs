using System.Buffers.Binary;
using Voice.Audio;
using Voice.Audio.Decoding;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Audio;

public sealed class WavDecoderTests
{
    private static readonly float[] Tone = Signals.Sine(440, 16_000, 32_000, amplitude: 0.5); // 2 s

    [Theory]
    [InlineData(1, 8)]
    [InlineData(1, 16)]
    [InlineData(1, 24)]
    [InlineData(1, 32)]
    [InlineData(3, 32)]
    [InlineData(3, 64)]
    public void EverySampleFormatDecodesToTheSameSignal(ushort tag, int bits)
    {
        var wav = AudioTools.Wav(tag, 1, 16_000, bits, Encode(Tone, tag, bits));

        var (audio, container) = AudioDecoder.Decode(wav, AudioLimits.Reference);

        Assert.Equal(AudioContainer.Wav, container);
        Assert.Equal(16_000, audio.SampleRate);
        Assert.Equal(Tone.Length, audio.Samples.Length);
        float tolerance = bits == 8 ? 0.01f : 0.0001f;
        for (int i = 0; i < Tone.Length; i += 97)
        {
            Assert.Equal(Tone[i], audio.Samples[i], tolerance);
        }
    }

    [Fact]
    public void ExtensibleFormatAndOddChunksAreRead()
    {
        var stereo = Tone.SelectMany(s => new[] { s, -s }).ToArray();
        var wav = AudioTools.Wav(1, 2, 16_000, 16, AudioTools.Pcm16(stereo), extensible: true,
            chunksBeforeData: [("LIST", new byte[13]), ("junk", new byte[1]), ("fact", new byte[4])]);

        var (audio, _) = AudioDecoder.Decode(wav, AudioLimits.Reference);

        Assert.Equal(2, audio.Channels);
        Assert.Equal(Tone.Length, audio.Frames);
        Assert.Equal(-audio.Samples[200], audio.Samples[201], 0.0001f);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(uint.MaxValue)]
    public void StreamingRecordersUnknownDataSizeReadsToTheEnd(uint size)
    {
        var wav = AudioTools.Wav(1, 1, 16_000, 16, AudioTools.Pcm16(Tone), dataSize: size);

        var (audio, _) = AudioDecoder.Decode(wav, AudioLimits.Reference);

        Assert.Equal(Tone.Length, audio.Samples.Length);
    }

    public static TheoryData<string, byte[], AudioProblemKind> Refused => new()
    {
        { "RF64", [.. "RF64"u8, 0, 0, 0, 0, .. "WAVE"u8, .. new byte[64]], AudioProblemKind.UnsupportedFormat },
        { "ADPCM", AudioTools.Wav(2, 1, 16_000, 4, new byte[32_000]), AudioProblemKind.UnsupportedFormat },
        { "truncated data", AudioTools.Wav(1, 1, 16_000, 16, AudioTools.Pcm16(Tone), dataSize: 1_000_000), AudioProblemKind.Corrupt },
        { "no channels", AudioTools.Wav(1, 0, 16_000, 16, new byte[64_000]), AudioProblemKind.Corrupt },
        { "65535 channels", AudioTools.Wav(1, 65_535, 16_000, 16, new byte[64_000]), AudioProblemKind.UnsupportedFormat },
        { "1 Hz", AudioTools.Wav(1, 1, 1, 16, new byte[64_000]), AudioProblemKind.UnsupportedFormat },
        { "4 GHz", AudioTools.Wav(1, 1, int.MaxValue, 16, new byte[64_000]), AudioProblemKind.UnsupportedFormat },
        { "NaN samples", AudioTools.Wav(3, 1, 16_000, 32, Enumerable.Repeat(BitConverter.GetBytes(float.NaN), 32_000).SelectMany(b => b).ToArray()), AudioProblemKind.Corrupt },
        { "silence", AudioTools.Wav(1, 1, 16_000, 16, new byte[64_000]), AudioProblemKind.Silent },
        { "half a second", AudioTools.Wav(1, 1, 16_000, 16, AudioTools.Pcm16(Tone[..8_000])), AudioProblemKind.TooShort },
        { "two minutes", AudioTools.Wav(1, 1, 8_000, 16, AudioTools.Pcm16(Signals.Sine(300, 8_000, 8_000 * 120))), AudioProblemKind.TooLong },
        { "empty", [], AudioProblemKind.Corrupt },
        { "text", "hello, this is not audio at all"u8.ToArray(), AudioProblemKind.UnsupportedFormat },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void BadFilesAreRefusedWithTheRightProblem(string name, byte[] file, AudioProblemKind expected)
    {
        var problem = Assert.Throws<AudioProblemException>(() => AudioDecoder.Decode(file, AudioLimits.Reference));

        Assert.True(expected == problem.Kind, $"{name}: {problem.Kind} ({problem.Message})");
        Assert.False(string.IsNullOrWhiteSpace(problem.Message));
    }

    [Fact]
    public void DataBeforeFormatIsCorrupt()
    {
        var wav = AudioTools.Wav(1, 1, 16_000, 16, AudioTools.Pcm16(Tone));
        int fmt = 12, data = 12 + 8 + 16;
        var swapped = wav[..12].Concat(wav[data..]).Concat(wav[fmt..data]).ToArray();

        Assert.Equal(AudioProblemKind.Corrupt, Assert.Throws<AudioProblemException>(() => AudioDecoder.Decode(swapped, AudioLimits.Reference)).Kind);
    }

    [Fact]
    public async Task UploadLargerThanTheLimitIsRefusedWhileReading()
    {
        var limits = AudioLimits.Reference with { MaxBytes = 100_000 };
        using var endless = new RepeatingStream(AudioTools.Wav(1, 1, 16_000, 16, AudioTools.Pcm16(Tone)));

        var problem = await Assert.ThrowsAsync<AudioProblemException>(() => AudioDecoder.DecodeAsync(endless, limits, CancellationToken.None));

        Assert.Equal(AudioProblemKind.TooLarge, problem.Kind);
        Assert.True(endless.BytesRead < 200_000, "it read far past the limit");
    }

    private static byte[] Encode(float[] samples, ushort tag, int bits)
    {
        int size = bits / 8;
        var bytes = new byte[samples.Length * size];
        for (int i = 0; i < samples.Length; i++)
        {
            var s = bytes.AsSpan(i * size, size);
            switch ((tag, bits))
            {
                case (3, 32): BinaryPrimitives.WriteSingleLittleEndian(s, samples[i]); break;
                case (3, 64): BinaryPrimitives.WriteDoubleLittleEndian(s, samples[i]); break;
                case (1, 8): s[0] = (byte)Math.Clamp((int)Math.Round((samples[i] * 128) + 128), 0, 255); break;
                case (1, 16): BinaryPrimitives.WriteInt16LittleEndian(s, (short)Math.Round(samples[i] * 32767)); break;
                case (1, 24):
                    int v = (int)Math.Round(samples[i] * 8388607);
                    s[0] = (byte)v;
                    s[1] = (byte)(v >> 8);
                    s[2] = (byte)(v >> 16);
                    break;
                default: BinaryPrimitives.WriteInt32LittleEndian(s, (int)Math.Round(samples[i] * 2147483647.0)); break;
            }
        }
        return bytes;
    }

    /// <summary>A stream that never ends: the same bytes over and over, counting what was read.</summary>
    private sealed class RepeatingStream(byte[] content) : Stream
    {
        public long BytesRead { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            for (int i = 0; i < count; i++)
            {
                buffer[offset + i] = content[(int)((BytesRead + i) % content.Length)];
            }
            BytesRead += count;
            return count;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
