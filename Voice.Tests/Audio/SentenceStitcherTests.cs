using Voice.Audio.Processing;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Audio;

public sealed class SentenceStitcherTests
{
    private const int Rate = 24_000;

    [Fact]
    public void SegmentsThatEndMidWaveformAreJoinedWithoutASteps()
    {
        // Two loud tones cut at arbitrary phase, with silence the engine left around them: the worst case for clicks.
        var first = Pad(Signals.Sine(220, Rate, 7_777, 0.8), 500, 300);
        var second = Pad(Signals.Sine(330, Rate, 5_555, 0.8), 1_000, 0);
        var stitcher = new SentenceStitcher(Rate, pause: TimeSpan.FromMilliseconds(200), fade: TimeSpan.FromMilliseconds(8));

        float[] a = stitcher.Push(first);
        float[] b = stitcher.Push(second);
        float[] joined = [.. a, .. b];

        // No sample-to-sample jump bigger than the tones' own steepest slope (2π·330/24000·0.8 ≈ 0.07).
        double largestStep = Enumerable.Range(1, joined.Length - 1).Max(i => Math.Abs(joined[i] - joined[i - 1]));
        Assert.True(largestStep < 0.075, $"largest step {largestStep:0.000}");
        Assert.True(Math.Abs(a[0]) < 1e-3 && Math.Abs(a[^1]) < 1e-3 && Math.Abs(b[^1]) < 1e-3);
        // The first segment starts at once; the second after the pause, its own leading silence trimmed.
        int leadingSilence = Array.FindIndex(b, s => Math.Abs(s) > 0.003f);
        Assert.InRange(leadingSilence, Rate * 0.2, Rate * 0.2 + 50);
        Assert.InRange(a.Length, 7_700, 7_777); // just the sound: its (near-)silent first samples and the padding are gone
    }

    [Fact]
    public void SilentSegmentsVanish()
    {
        var stitcher = new SentenceStitcher(Rate);

        Assert.Empty(stitcher.Push(new float[4_800]));
        Assert.NotEmpty(stitcher.Push(Signals.Sine(440, Rate, 2_400)));
    }

    private static float[] Pad(float[] body, int before, int after) => [.. new float[before], .. body, .. new float[after]];
}
