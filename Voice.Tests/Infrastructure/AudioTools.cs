using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Voice.Tests.Infrastructure;

/// <summary>The outside references the audio tests check against (ffprobe, ffmpeg) and builders for test files.</summary>
public static class AudioTools
{
    /// <summary>ffprobe's view of a file: codec, rate, channels, duration and the container's tags.</summary>
    public sealed record Probe(string Codec, int SampleRate, int Channels, double Duration, IReadOnlyDictionary<string, string> Tags);

    public static async Task<Probe> ProbeAsync(byte[] file)
    {
        string path = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(path, file);
            string json = await RunAsync("ffprobe", ["-v", "error", "-show_streams", "-show_format", "-of", "json", path]);
            var root = JsonDocument.Parse(json).RootElement;
            var stream = root.GetProperty("streams")[0];
            var format = root.GetProperty("format");
            var tags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var source in new[] { format, stream })
            {
                if (source.TryGetProperty("tags", out var t))
                {
                    foreach (var tag in t.EnumerateObject())
                    {
                        tags[tag.Name] = tag.Value.GetString() ?? "";
                    }
                }
            }
            double duration = format.TryGetProperty("duration", out var d) ? double.Parse(d.GetString()!, CultureInfo.InvariantCulture) : 0;
            return new Probe(stream.GetProperty("codec_name").GetString()!, int.Parse(stream.GetProperty("sample_rate").GetString()!, CultureInfo.InvariantCulture),
                stream.GetProperty("channels").GetInt32(), duration, tags);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Converts a WAV with ffmpeg (e.g. to "mp3", "ogg" with -c:a libvorbis, "opus", "flac").</summary>
    public static async Task<byte[]> FfmpegAsync(byte[] input, string outputExtension, params string[] codecArgs)
    {
        string source = Path.GetTempFileName() + ".wav";
        string target = Path.GetTempFileName() + "." + outputExtension;
        try
        {
            await File.WriteAllBytesAsync(source, input);
            await RunAsync("ffmpeg", ["-v", "error", "-y", "-i", source, .. codecArgs, target]);
            return await File.ReadAllBytesAsync(target);
        }
        finally
        {
            File.Delete(source);
            File.Delete(target);
        }
    }

    /// <summary>ffmpeg's EBU R128 integrated loudness of a file, in LUFS.</summary>
    public static async Task<double> FfmpegLoudnessAsync(byte[] wav)
    {
        string path = Path.GetTempFileName() + ".wav";
        try
        {
            await File.WriteAllBytesAsync(path, wav);
            string log = await RunAsync("ffmpeg", ["-nostats", "-i", path, "-filter_complex", "ebur128=peak=true", "-f", "null", "-"], stderr: true);
            int summary = log.LastIndexOf("Integrated loudness:", StringComparison.Ordinal);
            string line = log[summary..].Split('\n').First(l => l.TrimStart().StartsWith("I:", StringComparison.Ordinal));
            return double.Parse(line.Split(':')[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        finally
        {
            File.Delete(path);
        }
    }

    public static async Task<string> RunAsync(string command, string[] args, bool stderr = false)
    {
        using var process = Process.Start(new ProcessStartInfo(command, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command} failed: {await errors}");
        }
        return stderr ? await errors : await output;
    }

    /// <summary>A RIFF/WAVE file of any (even invalid) shape, for decoder tests.</summary>
    public static byte[] Wav(ushort tag, int channels, int rate, int bits, byte[] data,
        uint? riffSize = null, uint? dataSize = null, bool extensible = false, (string Id, byte[] Body)[]? chunksBeforeData = null)
    {
        using var file = new MemoryStream();
        void Chunk(string id, ReadOnlySpan<byte> body, uint? size = null)
        {
            file.Write(System.Text.Encoding.ASCII.GetBytes(id));
            var s = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(s, size ?? (uint)body.Length);
            file.Write(s);
            file.Write(body);
            if (body.Length % 2 == 1)
            {
                file.WriteByte(0);
            }
        }
        file.Write("RIFF\0\0\0\0WAVE"u8);
        var fmt = new byte[extensible ? 40 : 16];
        BinaryPrimitives.WriteUInt16LittleEndian(fmt, extensible ? (ushort)0xFFFE : tag);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(2), (ushort)channels);
        BinaryPrimitives.WriteUInt32LittleEndian(fmt.AsSpan(4), (uint)rate);
        BinaryPrimitives.WriteUInt32LittleEndian(fmt.AsSpan(8), (uint)(rate * channels * bits / 8));
        BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(12), (ushort)(channels * bits / 8));
        BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(14), (ushort)bits);
        if (extensible)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(16), 22);
            BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(18), (ushort)bits);
            BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(24), tag);
        }
        Chunk("fmt ", fmt);
        foreach (var (id, body) in chunksBeforeData ?? [])
        {
            Chunk(id, body);
        }
        Chunk("data", data, dataSize);
        byte[] bytes = file.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), riffSize ?? (uint)(bytes.Length - 8));
        return bytes;
    }

    /// <summary>16-bit PCM mono or interleaved samples as bytes.</summary>
    public static byte[] Pcm16(float[] samples)
    {
        var bytes = new byte[samples.Length * 2];
        Voice.Audio.Encoding.Pcm16.FromFloat(samples, bytes);
        return bytes;
    }

    public static byte[] Wav16(float[] samples, int rate, int channels = 1) => Wav(1, channels, rate, 16, Pcm16(samples));

    /// <summary>The frequency with the most energy between 50 Hz and the Nyquist frequency (1 Hz steps near the peak).</summary>
    public static double DominantFrequency(ReadOnlySpan<float> samples, int rate)
    {
        double best = 0, bestAmplitude = 0;
        for (double f = 50; f < rate / 2.0; f += 10)
        {
            double a = Signals.ToneAmplitude(samples, f, rate);
            if (a > bestAmplitude)
            {
                (best, bestAmplitude) = (f, a);
            }
        }
        return best;
    }
}
