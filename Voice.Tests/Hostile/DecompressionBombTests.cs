using System.Net;
using System.Net.Http.Headers;
using Voice.Audio;
using Voice.Audio.Decoding;
using Voice.Tests.Api;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Hostile;

/// <summary>
/// A file that compresses a huge signal into a few kilobytes (59 s of a constant 192 kHz, 8-channel signal: about
/// 31 KB of FLAC, 90 million samples) is refused by the decoded-samples budget while decoding, at a bounded cost.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class DecompressionBombTests(VoiceAppFixture app)
{
    private static readonly Lazy<Task<byte[]>> Bomb = new(() => FlacAsync(192_000, 8, 59));

    [Fact]
    public async Task TheBombIsRefusedWhileDecodingWithoutAllocatingItsSize()
    {
        byte[] bomb = await Bomb.Value;
        Assert.True(bomb.Length < 100_000, $"the bomb is {bomb.Length} bytes");

        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<AudioProblemException>(() => AudioDecoder.Decode(bomb, AudioLimits.Reference));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(AudioProblemKind.TooLarge, error.Kind);
        Assert.Contains("million samples", error.Message, StringComparison.Ordinal);
        // The budget is 46 MB of floats (grown by doubling); the full decode would be 362 MB before any copy.
        Assert.True(allocated < 120L * 1024 * 1024, $"allocated {allocated / (1024 * 1024)} MB");
    }

    [Fact]
    public async Task AnOrdinaryHighQualityRecordingStillDecodes()
    {
        byte[] stereo = await FlacAsync(48_000, 2, 30, constant: false);

        var (audio, container) = AudioDecoder.Decode(stereo, AudioLimits.Reference);

        Assert.Equal(AudioContainer.Flac, container);
        Assert.Equal(30, audio.Duration.TotalSeconds, 0.05);
    }

    [Fact]
    public async Task AnalyzeAnswersTheBombWith413()
    {
        using var api = app.CreateDemoClient();
        using var body = new ByteArrayContent(await Bomb.Value) { Headers = { ContentType = new MediaTypeHeaderValue("audio/flac") } };

        using var response = await api.PostAsync("/api/v1/audio/analyze", body);

        await GenerateValidationTests.AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "https://voice.dev/problems/audio/too-large");
    }

    private static async Task<byte[]> FlacAsync(int rate, int channels, int seconds, bool constant = true)
    {
        string path = Path.Combine(Path.GetTempPath(), $"voice-{Guid.NewGuid():N}.flac");
        string signal = constant ? "0.25" : "0.25*sin(2*PI*220*t)";
        try
        {
            await AudioTools.RunAsync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i",
                $"aevalsrc={string.Join('|', Enumerable.Repeat(signal, channels))}:s={rate}:d={seconds}", "-c:a", "flac", "-sample_fmt", "s16", path]);
            return await File.ReadAllBytesAsync(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
