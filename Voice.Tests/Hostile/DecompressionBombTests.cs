using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using Voice.Audio;
using Voice.Audio.Decoding;
using Voice.Tests.Api;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Hostile;

/// <summary>
/// A file that compresses a huge signal into a few kilobytes (59 s of a constant 192 kHz, 8-channel signal: about
/// 31 KB of FLAC, 90 million samples) is refused by the decoded-samples budget: from its header when the header
/// declares its length, otherwise while decoding, at a cost of at most the budget plus one block.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class DecompressionBombTests(VoiceAppFixture app)
{
    private static readonly Lazy<Task<byte[]>> Bomb = new(() => FlacAsync(192_000, 8, 59));

    [Fact]
    public async Task TheBombIsRefusedWithoutAllocatingItsSize()
    {
        byte[] bomb = await Bomb.Value;
        Assert.True(bomb.Length < 100_000, $"the bomb is {bomb.Length} bytes");

        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<AudioProblemException>(() => AudioDecoder.Decode(bomb, AudioLimits.Reference));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(AudioProblemKind.TooLarge, error.Kind);
        Assert.Contains("million samples", error.Message, StringComparison.Ordinal);
        // The budget is 46 MB of floats; the full decode would be 362 MB.
        Assert.True(allocated < 120L * 1024 * 1024, $"allocated {allocated / (1024 * 1024)} MB");
    }

    [Fact]
    public async Task ABombWhoseHeaderDeclaresItsLengthIsRefusedBeforeDecoding()
    {
        byte[] bomb = await Bomb.Value;
        Assert.True(StreamInfoTotalSamples(bomb) > 0, "ffmpeg writes the total length into STREAMINFO");

        var (error, allocated) = DecodeMeasured(bomb, AudioLimits.Reference);

        Assert.Equal(AudioProblemKind.TooLarge, error.Kind);
        Assert.Contains("million samples", error.Message, StringComparison.Ordinal);
        // Not one block of samples: the decoded size would be 362 MB.
        Assert.True(allocated < 256 * 1024, $"allocated {allocated / 1024} KB");
    }

    [Fact]
    public async Task ABombThatHidesItsLengthIsRefusedByTheRunningBudgetWithinBudgetPlusOneBlock()
    {
        byte[] bomb = (await Bomb.Value).ToArray();
        // STREAMINFO's 36-bit total sample count, 0 meaning unknown (RFC 9639 §8.2): the low nibble of byte 13 of
        // the block body, then four bytes; the body starts after "fLaC" and the block's 4-byte header.
        bomb[8 + 13] &= 0xF0;
        bomb.AsSpan(8 + 14, 4).Clear();
        Assert.Equal(0, StreamInfoTotalSamples(bomb));

        var (error, allocated) = DecodeMeasured(bomb, AudioLimits.Reference);

        Assert.Equal(AudioProblemKind.TooLarge, error.Kind);
        Assert.Contains("million samples", error.Message, StringComparison.Ordinal);
        long bound = (AudioLimits.Reference.MaxDecodedSamples * sizeof(float)) + (1024 * 1024);
        Assert.True(allocated < bound, $"allocated {allocated / (1024 * 1024.0):0.0} MB, bound {bound / (1024 * 1024.0):0.0} MB");
    }

    [Fact]
    public void AWavWhoseDataChunkHoldsMoreThanTheBudgetIsRefusedBeforeConverting()
    {
        // 10 s of 48 kHz stereo is 960,000 samples; under a budget of 100,000 it must be refused from the chunk size.
        var limits = AudioLimits.Reference with { MaxDecodedSamples = 100_000 };
        byte[] wav = AudioTools.Wav(1, 2, 48_000, 16, new byte[10 * 48_000 * 2 * 2]);

        var (error, allocated) = DecodeMeasured(wav, limits);

        Assert.Equal(AudioProblemKind.TooLarge, error.Kind);
        Assert.True(allocated < 256 * 1024, $"allocated {allocated / 1024} KB");
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

    private static (AudioProblemException Error, long Allocated) DecodeMeasured(byte[] file, AudioLimits limits)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<AudioProblemException>(() => AudioDecoder.Decode(file, limits));
        return (error, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static long StreamInfoTotalSamples(byte[] flac) =>
        ((long)(flac[8 + 13] & 0x0F) << 32) | BinaryPrimitives.ReadUInt32BigEndian(flac.AsSpan(8 + 14));

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
