using NAudio.Wave;
using Voice.Audio.Encoding;

namespace Voice.Tests.Audio;

public sealed class WavWriterTests
{
    [Fact]
    public async Task WrittenFileIsReadBackByNAudioWithTheSameFormatAndSamples()
    {
        float[] samples = [0f, 0.5f, -0.5f, 1f, -1f, 0.25f];
        using var stream = new MemoryStream();

        await WavWriter.WriteAsync(stream, samples, 24_000);

        stream.Position = 0;
        using var reader = new WaveFileReader(stream);
        Assert.Equal(24_000, reader.WaveFormat.SampleRate);
        Assert.Equal(1, reader.WaveFormat.Channels);
        Assert.Equal(16, reader.WaveFormat.BitsPerSample);
        Assert.Equal(WaveFormatEncoding.Pcm, reader.WaveFormat.Encoding);
        Assert.Equal(samples.Length, reader.SampleCount);
        var read = new float[samples.Length];
        Assert.Equal(samples.Length, reader.ToSampleProvider().Read(read));
        for (int i = 0; i < samples.Length; i++)
        {
            Assert.Equal(samples[i], read[i], precision: 3);
        }
    }

    [Fact]
    public void HeaderDeclaresRiffSizesThatMatchTheData()
    {
        var header = new byte[WavWriter.HeaderSize];

        WavWriter.WriteHeader(header, sampleRate: 24_000, channels: 1, sampleFrames: 1000);

        Assert.Equal("RIFF"u8.ToArray(), header[..4]);
        Assert.Equal(36 + 2000, BitConverter.ToInt32(header, 4));
        Assert.Equal("WAVE"u8.ToArray(), header[8..12]);
        Assert.Equal(48_000, BitConverter.ToInt32(header, 28)); // byte rate
        Assert.Equal(2000, BitConverter.ToInt32(header, 40));
    }

    [Fact]
    public void OutOfRangeAndNaNSamplesAreClippedNotWrapped()
    {
        float[] samples = [2f, -2f, float.NaN, float.PositiveInfinity, float.NegativeInfinity];
        var bytes = new byte[samples.Length * 2];

        Pcm16.FromFloat(samples, bytes);

        short[] values = [.. Enumerable.Range(0, samples.Length).Select(i => BitConverter.ToInt16(bytes, i * 2))];
        Assert.Equal([short.MaxValue, short.MinValue, 0, short.MaxValue, short.MinValue], values);
    }

    [Fact]
    public void HeaderRejectsMoreThanFourGigabytesOfSamples()
    {
        var header = new byte[WavWriter.HeaderSize];

        Assert.Throws<ArgumentOutOfRangeException>(() => WavWriter.WriteHeader(header, 24_000, 1, sampleFrames: 3_000_000_000));
    }
}
