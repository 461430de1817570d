using Voice.Audio;
using Voice.Audio.Encoding;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Audio;

public sealed class G711Tests
{
    [Theory]
    [InlineData((short)0, 0xFF)]
    [InlineData((short)-1, 0x7F)]
    [InlineData(short.MaxValue, 0x80)]
    [InlineData(short.MinValue, 0x00)]
    [InlineData((short)1000, 0xCE)]
    [InlineData((short)-1000, 0x4E)]
    public void MuLawCodesMatchTheReferenceImplementation(short sample, int code) =>
        Assert.Equal((byte)code, G711.MuLaw(sample));

    [Theory]
    [InlineData((short)0, 0xD5)]
    [InlineData((short)-1, 0x55)]
    [InlineData(short.MaxValue, 0xAA)]
    [InlineData(short.MinValue, 0x2A)]
    [InlineData((short)1000, 0xFA)]
    [InlineData((short)-1000, 0x7A)]
    public void ALawCodesMatchTheReferenceImplementation(short sample, int code) =>
        Assert.Equal((byte)code, G711.ALaw(sample));

    [Fact]
    public void EveryMuLawCodeDecodesAndEncodesBackToItself()
    {
        for (int code = 0; code < 256; code++)
        {
            // 0x7F and 0xFF are −0 and +0: both decode to 0, which encodes as +0.
            byte expected = code == 0x7F ? (byte)0xFF : (byte)code;
            Assert.Equal(expected, G711.MuLaw(G711.FromMuLaw((byte)code)));
        }
    }

    [Fact]
    public void EveryALawCodeDecodesAndEncodesBackToItself()
    {
        for (int code = 0; code < 256; code++)
        {
            Assert.Equal((byte)code, G711.ALaw(G711.FromALaw((byte)code)));
        }
    }

    [Fact]
    public void RoundTripErrorIsWithinTheStepOfEachSegment()
    {
        for (int sample = short.MinValue; sample <= short.MaxValue; sample++)
        {
            // The step doubles with each segment: about 1/16 of the level, and 16 (A-law) near zero; μ-law clips at 32635.
            int bound = (Math.Abs(sample) / 16) + 16;
            int muLaw = G711.FromMuLaw(G711.MuLaw((short)sample)) - Math.Clamp(sample, -32635, 32635);
            int aLaw = G711.FromALaw(G711.ALaw((short)sample)) - sample;
            Assert.True(Math.Abs(muLaw) <= bound, $"μ-law of {sample}: off by {muLaw}");
            Assert.True(Math.Abs(aLaw) <= bound, $"A-law of {sample}: off by {aLaw}");
        }
    }

    [Theory]
    [InlineData(AudioFormats.MuLaw)]
    [InlineData(AudioFormats.ALaw)]
    public async Task EncoderWritesOneByteAt8kHzPerSampleAndKeepsATone(string format)
    {
        var tone = Signals.Sine(440, AudioFormat.PlatformSampleRate, AudioFormat.PlatformSampleRate); // one second at 24 kHz
        using var output = new MemoryStream();

        await AudioFormats.EncodeAsync(format, tone, output, AudioMetadata.None, CancellationToken.None);

        byte[] codes = output.ToArray();
        Assert.Equal(8_000, codes.Length);
        var decoded = codes.Select(c => (format == AudioFormats.MuLaw ? G711.FromMuLaw(c) : G711.FromALaw(c)) / 32768f).ToArray();
        double amplitude = Signals.ToneAmplitude(decoded.AsSpan(800, 6_400), 440, 8_000);
        Assert.InRange(Signals.Decibels(amplitude / 0.5), -0.5, 0.5);
    }
}
