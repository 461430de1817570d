using Voice.Audio.Processing;

namespace Voice.Tests.Audio;

public sealed class JoinTrimmerTests
{
    private const int Rate = 1_000; // 50 samples of lead

    /// <summary>200 silent samples, 100 of sound, 300 silent.</summary>
    private static List<float> Clip() => [.. new float[200], .. Enumerable.Repeat(0.5f, 100), .. new float[300]];

    [Fact]
    public void TrimsBothEdgesToTheLeadAroundTheSound()
    {
        var samples = Clip();
        var trimmer = new JoinTrimmer(trimStart: true, trimEnd: true, Rate);

        trimmer.Accept(samples, 0);
        trimmer.Finish(samples);

        Assert.Equal(50 + 100 + 50, samples.Count);
        Assert.Equal(150, trimmer.TrimmedAtStart);
        Assert.Equal(0.5f, samples[50]);
    }

    [Fact]
    public void KeepsAnEdgeThatJoinsNothing()
    {
        var samples = Clip();
        var trimmer = new JoinTrimmer(trimStart: false, trimEnd: true, Rate);

        trimmer.Accept(samples, 0);
        trimmer.Finish(samples);

        Assert.Equal(200 + 100 + 50, samples.Count);
        Assert.Equal(0, trimmer.TrimmedAtStart);
    }

    [Fact]
    public void StreamsNothingBeforeTheFirstSoundAndHoldsBackATrailingPause()
    {
        var samples = new List<float>(new float[120]);
        var trimmer = new JoinTrimmer(trimStart: true, trimEnd: true, Rate);

        trimmer.Accept(samples, 0);
        Assert.Equal(0, trimmer.Ready(samples.Count));
        Assert.Equal(50, samples.Count); // the silence so far, but the lead

        int before = samples.Count;
        samples.AddRange([.. Enumerable.Repeat(0.5f, 100), .. new float[300]]);
        trimmer.Accept(samples, before);
        Assert.Equal(50 + 100 + 50, trimmer.Ready(samples.Count)); // the pause may be the end: it waits
    }
}
