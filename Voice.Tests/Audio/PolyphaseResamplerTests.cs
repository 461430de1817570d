using Voice.Audio.Resampling;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Audio;

public sealed class PolyphaseResamplerTests
{
    [Theory]
    [InlineData(22_050, 24_000, 22_050)]
    [InlineData(48_000, 24_000, 48_000)]
    [InlineData(44_100, 24_000, 10_001)]
    [InlineData(16_000, 24_000, 7)]
    public void OutputLengthIsTheInputLengthScaledByTheRatioRoundedUp(int inputRate, int outputRate, int inputLength)
    {
        var output = PolyphaseResampler.Resample(new float[inputLength], inputRate, outputRate);

        Assert.Equal((long)Math.Ceiling((double)inputLength * outputRate / inputRate), output.Length);
    }

    [Theory]
    [InlineData(22_050, 1_000)]
    [InlineData(22_050, 9_900)]   // 0.45 of the lower rate
    [InlineData(48_000, 3_000)]
    [InlineData(48_000, 10_800)]  // 0.45 of 24 kHz
    [InlineData(44_100, 10_000)]
    public void ToneInThePassBandKeepsItsFrequencyAndLevel(int inputRate, double frequency)
    {
        var input = Signals.Sine(frequency, inputRate, inputRate); // one second

        var output = PolyphaseResampler.Resample(input, inputRate, 24_000);

        var middle = output.AsSpan(2_400, 19_200);
        double amplitude = Signals.ToneAmplitude(middle, frequency, 24_000);
        Assert.InRange(Signals.Decibels(amplitude / 0.5), -0.1, 0.1);
    }

    [Theory]
    [InlineData(48_000, 13_200)]  // the stop-band edge: its alias would land at 10.8 kHz
    [InlineData(48_000, 15_000)]
    [InlineData(48_000, 20_000)]
    [InlineData(44_100, 13_500)]
    [InlineData(96_000, 30_000)]
    public void ToneAboveTheOutputNyquistIsRemovedInsteadOfAliased(int inputRate, double frequency)
    {
        var input = Signals.Sine(frequency, inputRate, inputRate);

        var output = PolyphaseResampler.Resample(input, inputRate, 24_000);

        double alias = Math.Abs(24_000 - (frequency % 24_000)); // where the tone would fold to
        double amplitude = Signals.ToneAmplitude(output.AsSpan(2_400, 19_200), alias, 24_000);
        Assert.True(Signals.Decibels(amplitude / 0.5) < -120, $"alias at {alias} Hz is {Signals.Decibels(amplitude / 0.5):F1} dB");
    }

    [Fact]
    public void StreamingInUnevenBlocksGivesExactlyTheOneShotResult()
    {
        var input = Signals.Sine(440, 22_050, 30_000);
        var expected = PolyphaseResampler.Resample(input, 22_050, 24_000);

        var resampler = new PolyphaseResampler(22_050, 24_000);
        var streamed = new List<float>();
        int offset = 0;
        foreach (int block in new[] { 1, 7, 100, 4096, 13, 25_000 })
        {
            int count = Math.Min(block, input.Length - offset);
            resampler.Process(input.AsSpan(offset, count), streamed);
            offset += count;
        }
        resampler.Process(input.AsSpan(offset), streamed);
        resampler.Flush(streamed);

        Assert.Equal(expected.Length, streamed.Count);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], streamed[i], 1e-6f);
        }
    }

    [Theory]
    [InlineData(24_000, 48_000)]
    [InlineData(48_000, 24_000)]
    public void EmptyBlocksBetweenOthersChangeNothing(int inputRate, int outputRate)
    {
        // libsoxr reads a null input as the end of the stream; an empty block must not end it (it crashed the encoders).
        var input = Signals.Sine(440, inputRate, 20_000);
        var expected = PolyphaseResampler.Resample(input, inputRate, outputRate);

        var resampler = new PolyphaseResampler(inputRate, outputRate);
        var streamed = new List<float>();
        resampler.Process([], streamed);
        resampler.Process(input.AsSpan(0, 5_000), streamed);
        resampler.Process([], streamed);
        resampler.Process(input.AsSpan(5_000), streamed);
        resampler.Process([], streamed);
        resampler.Flush(streamed);

        Assert.Equal(expected.Length, streamed.Count);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], streamed[i], 1e-6f);
        }
    }

    [Theory]
    [InlineData(48_000, 24_000)]
    [InlineData(22_050, 24_000)]
    [InlineData(24_000, 48_000)]
    public void OutputIsTimeAlignedWithTheInput(int inputRate, int outputRate)
    {
        var input = Signals.Sine(300, inputRate, inputRate); // one second

        var output = PolyphaseResampler.Resample(input, inputRate, outputRate);

        // Each output sample is the sine at the same instant: no filter delay left in (one sample's delay is 4e-2 off).
        for (int m = outputRate / 4; m < outputRate * 3 / 4; m += 97)
        {
            Assert.Equal(0.5 * Math.Sin(2 * Math.PI * 300 * m / outputRate), output[m], 1e-3);
        }
    }

    [Fact]
    public void ConstantSignalStaysConstantAwayFromTheEdges()
    {
        var input = Enumerable.Repeat(0.25f, 22_050).ToArray();

        var output = PolyphaseResampler.Resample(input, 22_050, 24_000);

        foreach (float sample in output.AsSpan(200, output.Length - 400))
        {
            Assert.Equal(0.25f, sample, 1e-4f);
        }
    }

    [Fact]
    public void ProcessAfterFlushIsRefused()
    {
        var resampler = new PolyphaseResampler(22_050, 24_000);
        resampler.Flush([]);

        Assert.Throws<InvalidOperationException>(() => resampler.Process(new float[10], []));
    }
}
