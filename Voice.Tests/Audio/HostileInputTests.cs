using System.Buffers.Binary;
using System.Diagnostics;
using Voice.Audio;
using Voice.Audio.Decoding;
using Voice.Audio.Encoding;
using Voice.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Voice.Tests.Audio;

/// <summary>
/// Uploads built to hurt: truncated at every sixteenth, lying sizes and rates, absurd channel counts, NaN and
/// infinity, pathological chunks, garbage frames, random bytes behind valid magic — and a seeded mutation
/// fuzzer over valid files. Every input must end in audio or an <see cref="AudioProblemException"/>, within a
/// time and memory bound. VOICE_FUZZ_MUTATIONS sets the fuzzer's size (default 20,000).
/// </summary>
public sealed class HostileInputTests(ITestOutputHelper output)
{
    private static readonly TimeSpan TimeBound = TimeSpan.FromSeconds(3);
    private const long AllocationBound = 512L * 1024 * 1024;

    public static async Task<Dictionary<string, byte[]>> SeedsAsync()
    {
        var tone = Signals.Sine(523, 24_000, 36_000, 0.5);
        var seeds = new Dictionary<string, byte[]> { ["wav"] = AudioTools.Wav16(tone, 24_000) };
        foreach (var format in new[] { "mp3", "opus", "flac" })
        {
            using var stream = new MemoryStream();
            await AudioFormats.EncodeAsync(format, tone, stream, AudioMetadata.None, CancellationToken.None);
            seeds[format] = stream.ToArray();
        }
        seeds["vorbis"] = await AudioTools.FfmpegAsync(seeds["wav"], "ogg", "-c:a", "libvorbis", "-q:a", "2");
        return seeds;
    }

    [Fact]
    public async Task HandcraftedHostileCorpusEndsInAudioOrAProblem()
    {
        var cases = new List<(string Name, byte[] File)>();
        foreach (var (format, seed) in await SeedsAsync())
        {
            for (int sixteenth = 0; sixteenth < 16; sixteenth++)
            {
                cases.Add(($"{format} truncated at {sixteenth}/16", seed[..(seed.Length * sixteenth / 16)]));
            }
            var random = new Random(format.GetHashCode(StringComparison.Ordinal));
            var noise = new byte[seed.Length];
            random.NextBytes(noise);
            cases.Add(($"{format} magic then noise", [.. seed[..64], .. noise]));
        }
        var data = AudioTools.Pcm16(Signals.Sine(440, 16_000, 32_000));
        cases.Add(("riff size larger than file", AudioTools.Wav(1, 1, 16_000, 16, data, riffSize: uint.MaxValue - 1)));
        cases.Add(("data size larger than file", AudioTools.Wav(1, 1, 16_000, 16, data, dataSize: 0x7FFFFFFF)));
        cases.Add(("rate 0", AudioTools.Wav(1, 1, 0, 16, data)));
        cases.Add(("rate 2^32-1", AudioTools.Wav(1, 1, -1, 16, data)));
        cases.Add(("0 channels", AudioTools.Wav(1, 0, 16_000, 16, data)));
        cases.Add(("65535 channels", AudioTools.Wav(1, 65_535, 16_000, 16, data)));
        cases.Add(("0 bits", AudioTools.Wav(1, 1, 16_000, 0, data)));
        cases.Add(("12 bits", AudioTools.Wav(1, 1, 16_000, 12, data)));
        cases.Add(("inf floats", AudioTools.Wav(3, 1, 16_000, 32, [.. Enumerable.Repeat(BitConverter.GetBytes(float.PositiveInfinity), 16_000).SelectMany(b => b)])));
        cases.Add(("huge float values", AudioTools.Wav(3, 1, 16_000, 32, [.. Enumerable.Repeat(BitConverter.GetBytes(3e38f), 16_000).SelectMany(b => b)])));
        cases.Add(("4096 empty chunks", AudioTools.Wav(1, 1, 16_000, 16, data, chunksBeforeData: [.. Enumerable.Repeat(("junk", Array.Empty<byte>()), 4096)])));
        cases.Add(("chunk size pointing past the end", [.. "RIFF"u8, 0xFF, 0xFF, 0xFF, 0x7F, .. "WAVE"u8, .. "fmt "u8, 0xF0, 0xFF, 0xFF, 0xFF, .. new byte[32]]));
        cases.Add(("fmt chunk too small", [.. "RIFF"u8, 40, 0, 0, 0, .. "WAVE"u8, .. "fmt "u8, 4, 0, 0, 0, 1, 0, 1, 0, .. "data"u8, 8, 0, 0, 0, .. new byte[8]]));
        cases.Add(("extensible, short", AudioTools.Wav(1, 1, 16_000, 16, data, extensible: true)[..50]));
        cases.Add(("mp3 sync words only", [.. Enumerable.Repeat(new byte[] { 0xFF, 0xFB, 0x90, 0x64 }, 50_000).SelectMany(b => b)]));
        cases.Add(("id3 claiming 256 MB", [.. "ID3"u8, 4, 0, 0, 0x7F, 0x7F, 0x7F, 0x7F, .. new byte[1000]]));
        cases.Add(("ogg page claiming 255×255 bytes", [.. "OggS"u8, 0, 2, .. new byte[20], 255, .. Enumerable.Repeat((byte)255, 255), .. "OpusHead"u8, .. new byte[100]]));
        cases.Add(("flac header only", [.. "fLaC"u8, 0x80, 0, 0, 34, .. new byte[34]]));
        cases.Add(("rf64", [.. "RF64"u8, .. new byte[100]]));
        cases.Add(("single byte", [0x52]));

        foreach (var (name, file) in cases)
        {
            Assert.True(Survives(file, out string outcome), $"{name}: {outcome}");
        }
        output.WriteLine($"hostile corpus: {cases.Count} cases, all ended in audio or a problem");
    }

    [Fact]
    public async Task MutationFuzzingNeverCrashesHangsOrLeaksAnUnhandledException()
    {
        int mutations = int.TryParse(Environment.GetEnvironmentVariable("VOICE_FUZZ_MUTATIONS"), out int n) ? n : 20_000;
        var seeds = (await SeedsAsync()).Values.ToArray();
        var random = new Random(20261128);
        var outcomes = new Dictionary<string, int>();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < mutations; i++)
        {
            byte[] file = Mutate(seeds[i % seeds.Length], random);
            Assert.True(Survives(file, out string outcome), $"mutation {i} (seed {i % seeds.Length}): {outcome}");
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }
        output.WriteLine($"fuzz: {mutations} mutations in {clock.Elapsed.TotalSeconds:F0} s; " + string.Join(", ", outcomes.OrderByDescending(o => o.Value).Select(o => $"{o.Key} {o.Value}")));
    }

    /// <summary>
    /// Decodes within the bounds; true when the outcome was audio or a problem (never anything else). The decode
    /// runs on its own thread so that a hang is reported (as a failure) instead of hanging the test run.
    /// </summary>
    private static bool Survives(byte[] file, out string outcome)
    {
        string result = "";
        long used = 0;
        bool handled = true;
        var decode = new Thread(() =>
        {
            long allocated = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                AudioDecoder.Decode(file, AudioLimits.Reference);
                result = "audio";
            }
            catch (AudioProblemException problem)
            {
                result = problem.Slug;
            }
            catch (Exception ex)
            {
                result = $"unhandled {ex.GetType().Name}: {ex.Message}";
                handled = false;
            }
            used = GC.GetAllocatedBytesForCurrentThread() - allocated;
        }) { IsBackground = true };
        decode.Start();
        if (!decode.Join(TimeBound))
        {
            outcome = $"no answer within {TimeBound.TotalSeconds:0} s (hang)";
            File.WriteAllBytes(Path.Combine(Path.GetTempPath(), "voice-fuzz-hang.bin"), file);
            return false;
        }
        outcome = used > AllocationBound ? $"allocated {used / (1024 * 1024)} MB ({result})" : result;
        return handled && used <= AllocationBound;
    }

    /// <summary>One to eight random edits: bit flips, byte overwrites, 32-bit size fields set to extremes, cuts, duplications.</summary>
    private static byte[] Mutate(byte[] seed, Random random)
    {
        var file = new List<byte>(seed);
        int edits = random.Next(1, 9);
        for (int e = 0; e < edits && file.Count > 8; e++)
        {
            // Headers matter most: aim half the edits at the first 256 bytes.
            int at = random.Next(2) == 0 ? random.Next(Math.Min(256, file.Count)) : random.Next(file.Count);
            switch (random.Next(6))
            {
                case 0:
                    file[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    file[at] = (byte)random.Next(256);
                    break;
                case 2 when at + 4 <= file.Count:
                    var size = new byte[4];
                    BinaryPrimitives.WriteUInt32LittleEndian(size, random.Next(3) switch { 0 => 0, 1 => uint.MaxValue, _ => (uint)random.Next() });
                    for (int i = 0; i < 4; i++)
                    {
                        file[at + i] = size[i];
                    }
                    break;
                case 3:
                    file.RemoveRange(at, Math.Min(file.Count - at, random.Next(1, 4096)));
                    break;
                case 4:
                    file.InsertRange(at, file.GetRange(at, Math.Min(file.Count - at, random.Next(1, 512))));
                    break;
                default:
                    file.RemoveRange(at, file.Count - at); // truncate
                    break;
            }
        }
        return [.. file];
    }
}
