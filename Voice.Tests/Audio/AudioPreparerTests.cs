using Voice.Audio;
using Voice.Audio.Loudness;
using Voice.Audio.Processing;
using Voice.Audio.Resampling;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Audio;

public sealed class AudioPreparerTests
{
    [Fact]
    public void StereoFortyEightKilohertzBecomesTrimmedNormalisedMono24kHz()
    {
        const int rate = 48_000;
        var speech = LoudnessMeterTests.Modulated(rate, 4);
        var padded = new float[rate].Concat(speech).Concat(new float[rate * 2]).Select(s => (s * 0.1f) + 0.05f).ToArray(); // quiet, DC offset, silences
        var stereo = padded.SelectMany(s => new[] { s, s }).ToArray();

        var prepared = AudioPreparer.PrepareReference(new AudioBuffer(stereo, rate, 2), AudioLimits.Reference);

        Assert.Equal(24_000, prepared.SampleRate);
        Assert.InRange(prepared.Samples.Length / 24_000.0, 3.2, 4.3); // the 3 s of padding (and the bursts' quiet edges) trimmed
        Assert.InRange(prepared.Report.TrimmedSeconds, 2.7, 3.8);
        Assert.InRange(prepared.Samples.Average(), -0.001, 0.001); // DC removed
        double loudness = LoudnessMeter.IntegratedLoudness(prepared.Samples, 24_000, 1);
        double peak = LoudnessMeter.TruePeak(prepared.Samples, 24_000, 1);
        Assert.True(Math.Abs(loudness - AudioPreparer.TargetLufs) <= 0.2 || peak >= AudioPreparer.TruePeakCeilingDbtp - 0.1,
            $"loudness {loudness:F2} LUFS with true peak {peak:F2} dBTP");
        Assert.True(peak <= AudioPreparer.TruePeakCeilingDbtp + 0.1, $"true peak {peak:F2} dBTP");
    }

    [Fact]
    public void NormalisationNeverPushesThePeakPastTheCeiling()
    {
        var spiky = Signals.Sine(200, 24_000, 24_000 * 3, amplitude: 0.01);
        spiky[30_000] = 0.5f; // one loud click in quiet audio: reaching −16 LUFS would clip it
        double before = LoudnessMeter.IntegratedLoudness(spiky, 24_000, 1);

        double gain = AudioPreparer.Normalize(spiky, 24_000);

        Assert.True(gain < AudioPreparer.TargetLufs - before - 1, $"gain {gain:F1} dB was not limited");
        Assert.InRange(LoudnessMeter.TruePeak(spiky, 24_000, 1), AudioPreparer.TruePeakCeilingDbtp - 0.05, AudioPreparer.TruePeakCeilingDbtp + 0.05);
        Assert.True(LoudnessMeter.IntegratedLoudness(spiky, 24_000, 1) < AudioPreparer.TargetLufs - 1);
    }

    [Fact]
    public void ClippedAndNoisyRecordingsComeWithWarnings()
    {
        var random = new Random(7);
        var clipped = LoudnessMeterTests.Modulated(24_000, 5).Select(s => Math.Clamp((s * 8) + ((float)random.NextDouble() * 0.6f) - 0.3f, -1f, 1f)).ToArray();

        var prepared = AudioPreparer.PrepareReference(new AudioBuffer(clipped, 24_000, 1), AudioLimits.Reference);

        Assert.Contains(prepared.Report.Warnings, w => w.Contains("clipped", StringComparison.Ordinal));
        Assert.Contains(prepared.Report.Warnings, w => w.Contains("noise", StringComparison.Ordinal));
        Assert.True(prepared.Report.ClippedPercent > 0.1);
    }

    [Fact]
    public void HalfASecondOfSpeechInTenSecondsOfSilenceIsTooShort()
    {
        var mostlySilence = new float[24_000 * 5].Concat(Signals.Sine(300, 24_000, 12_000, 0.5)).Concat(new float[24_000 * 5]).ToArray();

        var problem = Assert.Throws<AudioProblemException>(() => AudioPreparer.PrepareReference(new AudioBuffer(mostlySilence, 24_000, 1), AudioLimits.Reference));

        Assert.Equal(AudioProblemKind.TooShort, problem.Kind);
    }

    [Fact]
    public void QualityReportMeasuresSpeechSilenceAndBandwidth()
    {
        const int rate = 48_000;
        var speech = LoudnessMeterTests.Modulated(rate, 6);
        var padded = new float[rate * 2].Concat(speech).Concat(new float[rate * 2]).ToArray();
        // The same recording through a telephone: band-limited to 4 kHz, still at 48 kHz.
        var telephone = PolyphaseResampler.Resample(PolyphaseResampler.Resample(padded, rate, 8_000), 8_000, rate);

        var full = AudioPreparer.PrepareReference(new AudioBuffer(padded, rate, 1), AudioLimits.Reference).Report;
        var narrow = AudioPreparer.PrepareReference(new AudioBuffer(telephone, rate, 1), AudioLimits.Reference).Report;

        Assert.Equal(rate, full.SampleRate);
        Assert.InRange(full.SpeechSeconds, 3, 6.1);
        Assert.InRange(full.SilenceRatio, 0.4, 0.7); // 4 s of padding and the pauses in 10 s
        Assert.True(full.BandwidthHz > 3_000, $"full-band bandwidth {full.BandwidthHz} Hz");
        Assert.InRange(narrow.BandwidthHz, 3_000, 4_100);
        Assert.Contains(narrow.Warnings, w => w.Contains("kHz", StringComparison.Ordinal));
        Assert.Empty(ReferenceQuality.Refusals(full));
    }

    [Fact]
    public void QualityGateRefusesEachFlawWithItsFix()
    {
        var good = new ReferenceReport(8, 7, 0.1, -20, -3, 0, 40, 0.5, 48_000, 16_000, []);

        Assert.Empty(ReferenceQuality.Refusals(good));
        Assert.Equal(["too-little-speech"], ReferenceQuality.Refusals(good with { SpeechSeconds = 2 }).Select(i => i.Code));
        Assert.Equal(["noisy"], ReferenceQuality.Refusals(good with { SignalToNoiseDb = 9 }).Select(i => i.Code));
        Assert.Equal(["clipped"], ReferenceQuality.Refusals(good with { ClippedPercent = 5 }).Select(i => i.Code));
        Assert.Equal(["narrowband"], ReferenceQuality.Refusals(good with { BandwidthHz = 2_000 }).Select(i => i.Code));
        Assert.All(ReferenceQuality.Refusals(good with { SpeechSeconds = 1, SignalToNoiseDb = 5 }), i => Assert.False(string.IsNullOrWhiteSpace(i.Message)));
    }
}
