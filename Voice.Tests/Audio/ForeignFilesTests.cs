using Voice.Audio;
using Voice.Audio.Decoding;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Audio;

/// <summary>Files made by other encoders (ffmpeg with libmp3lame, libvorbis, libopus, its FLAC) decode correctly.</summary>
public sealed class ForeignFilesTests
{
    private static readonly byte[] Source = AudioTools.Wav16(
        Signals.Sine(1_000, 48_000, 48_000 * 3, 0.4).SelectMany(s => new[] { s, s }).ToArray(), 48_000, channels: 2); // 3 s stereo 48 kHz

    [Theory]
    [InlineData("mp3", AudioContainer.Mp3, new[] { "-c:a", "libmp3lame", "-b:a", "128k" })]
    [InlineData("ogg", AudioContainer.OggVorbis, new[] { "-c:a", "libvorbis", "-q:a", "4" })]
    [InlineData("opus", AudioContainer.OggOpus, new[] { "-c:a", "libopus", "-b:a", "64k" })]
    [InlineData("flac", AudioContainer.Flac, new[] { "-c:a", "flac" })]
    [InlineData("wav", AudioContainer.Wav, new[] { "-c:a", "pcm_s24le" })]
    [InlineData("wav", AudioContainer.Wav, new[] { "-c:a", "pcm_f32le" })]
    public async Task OtherEncodersFilesDecodeWithTheirRateChannelsAndTone(string extension, AudioContainer container, string[] codec)
    {
        byte[] file = await AudioTools.FfmpegAsync(Source, extension, codec);

        var (audio, detected) = AudioDecoder.Decode(file, AudioLimits.Reference);

        Assert.Equal(container, detected);
        Assert.Equal(2, audio.Channels);
        Assert.Equal(48_000, audio.SampleRate);
        Assert.InRange(audio.Duration.TotalSeconds, 2.9, 3.1);
        var left = Enumerable.Range(audio.Frames / 3, 24_000).Select(i => audio.Samples[i * 2]).ToArray();
        Assert.InRange(AudioTools.DominantFrequency(left, 48_000), 990, 1_010);
    }

    [Fact]
    public void FormatIsFoundFromTheContentNotTheName()
    {
        Assert.Equal(AudioContainer.Wav, AudioDecoder.Detect(Source));
        Assert.Null(AudioDecoder.Detect("ID4 not a tag"u8));
        Assert.Equal(AudioContainer.Flac, AudioDecoder.Detect("fLaC...."u8));
    }
}
