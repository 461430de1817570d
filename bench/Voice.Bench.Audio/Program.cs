// Audio benchmarks, each beside its peer in the same run:
//   1. the resampler (libsoxr VHQ, streaming) against the hand-written one it replaced, libsoxr one-shot (VHQ, in
//      process) and sox (`rate -v`, CLI):
//      time, pass-band flatness and worst stop-band alias;
//   2. the loudness meter against ffmpeg's ebur128 filter on the same files: agreement and time.
//   dotnet run -c Release --project bench/Voice.Bench.Audio
using System.Diagnostics;
using System.Globalization;
using Voice.Audio.Encoding;
using Voice.Audio.Loudness;
using Voice.Audio.Resampling;
using Voice.Bench.Audio;

const int InRate = 48_000, OutRate = 24_000, Seconds = 60;
string work = Directory.CreateTempSubdirectory("voice-bench-audio").FullName;

Console.WriteLine("== Resampling 60 s, 48 kHz → 24 kHz ==");
var speechLike = SpeechLike(InRate, Seconds);
string inputWav = Path.Combine(work, "in.wav");
await WriteWavAsync(inputWav, speechLike, InRate);

// Alternating rounds, best of each: the box is shared.
double ours = double.MaxValue, handWritten = double.MaxValue, soxr = double.MaxValue;
for (int round = 0; round < 7; round++)
{
    ours = Math.Min(ours, Best(1, () => PolyphaseResampler.Resample(speechLike, InRate, OutRate)));
    handWritten = Math.Min(handWritten, Best(1, () => HandWrittenResampler.Resample(speechLike, InRate, OutRate)));
    soxr = Math.Min(soxr, Best(1, () => LibSoxr.Resample(speechLike, InRate, OutRate)));
}
double sox = Best(3, () => Run("sox", [inputWav, "-r", "24000", Path.Combine(work, "out.wav"), "rate", "-v"]));
Console.WriteLine(Invariant($"time: ours {ours * 1000:F1} ms, hand-written (before) {handWritten * 1000:F1} ms, libsoxr VHQ one-shot {soxr * 1000:F1} ms, sox CLI (with file I/O) {sox * 1000:F0} ms; ours/libsoxr {ours / soxr:F2}×"));

foreach (var (name, resample) in new (string, Func<float[], float[]>)[]
{
    ("ours", x => PolyphaseResampler.Resample(x, InRate, OutRate)),
    ("hand-written", x => HandWrittenResampler.Resample(x, InRate, OutRate)),
    ("libsoxr VHQ", x => LibSoxr.Resample(x, InRate, OutRate)),
    ("sox -v", x => SoxResample(x)),
})
{
    double ripple = new[] { 100.0, 1_000, 5_000, 10_000, 10_800 }.Max(f => Math.Abs(Db(Level(resample(Tone(f, InRate)), f, OutRate) / 0.5)));
    double alias = new[] { 13_200.0, 14_000, 16_000, 20_000, 23_000 }.Max(f => Db(Level(resample(Tone(f, InRate)), OutRate - f, OutRate) / 0.5));
    Console.WriteLine(Invariant($"{name,-12} pass band (100 Hz–10.8 kHz) within ±{ripple:F3} dB; worst alias of 13.2–23 kHz tones {alias:F1} dB"));
}

Console.WriteLine();
Console.WriteLine("== Loudness: ours vs ffmpeg ebur128 ==");
foreach (var (name, samples, rate, channels) in new (string, float[], int, int)[]
{
    ("EBU 3341 case 1 (stereo 1 kHz −23 dBFS)", Stereo(Tones(48_000, (-23, 20))), 48_000, 2),
    ("EBU 3341 case 4 (gated sequence)", Stereo(Tones(48_000, (-72, 10), (-36, 10), (-23, 60), (-36, 10), (-72, 10))), 48_000, 2),
    ("EBU 3341 case 5", Stereo(Tones(48_000, (-26, 20), (-20, 20.1), (-26, 20))), 48_000, 2),
    ("speech-like, 24 kHz mono, 60 s", SpeechLike(24_000, 60), 24_000, 1),
    ("speech-like, 44.1 kHz mono, 60 s", SpeechLike(44_100, 60), 44_100, 1),
})
{
    string path = Path.Combine(work, "loudness.wav");
    await WriteWavAsync(path, samples, rate, channels);
    double value = 0;
    double oursTime = Best(3, () => value = LoudnessMeter.IntegratedLoudness(samples, rate, channels));
    string log = "";
    double ffmpegTime = Best(3, () => log = Run("ffmpeg", ["-nostats", "-i", path, "-filter_complex", "ebur128", "-f", "null", "-"], stderr: true));
    double ffmpeg = ParseIntegrated(log);
    Console.WriteLine(Invariant($"{name,-40} ours {value,7:F2} LUFS ({oursTime * 1000,5:F0} ms)   ffmpeg {ffmpeg,6:F1} LUFS ({ffmpegTime * 1000,5:F0} ms, incl. process)   Δ {value - ffmpeg,5:F2} LU"));
}

Console.WriteLine();
Console.WriteLine("== True peak (4x oversampling): ours vs resampling then max vs ffmpeg ebur128 ==");
foreach (var (name, samples, rate) in new (string, float[], int)[]
{
    ("speech-like, 24 kHz mono, 60 s", SpeechLike(24_000, 60), 24_000),
    ("speech-like, 44.1 kHz mono, 60 s", SpeechLike(44_100, 60), 44_100),
})
{
    string path = Path.Combine(work, "peak.wav");
    await WriteWavAsync(path, samples, rate, 1);
    double peak = 0, resampled = 0;
    double oursTime = Best(3, () => peak = LoudnessMeter.TruePeak(samples, rate, 1));
    double resampledTime = Best(3, () => resampled = 20 * Math.Log10(PolyphaseResampler.Resample(samples, rate, rate * 4).Max(Math.Abs)));
    string log = Run("ffmpeg", ["-nostats", "-i", path, "-filter_complex", "ebur128=peak=true", "-f", "null", "-"], stderr: true);
    string peakLine = log[log.LastIndexOf("True peak:", StringComparison.Ordinal)..].Split('\n').First(l => l.TrimStart().StartsWith("Peak:", StringComparison.Ordinal));
    double ffmpeg = double.Parse(peakLine.Split(':')[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    Console.WriteLine(Invariant($"{name,-40} ours {peak,7:F3} dBTP ({oursTime * 1000,5:F1} ms)   resample+max {resampled,7:F3} ({resampledTime * 1000,5:F1} ms)   ffmpeg {ffmpeg,6:F1} dBTP   ratio {resampledTime / oursTime:F1}x"));
}
Directory.Delete(work, recursive: true);
return;

float[] SoxResample(float[] input)
{
    string source = Path.Combine(work, "tone.wav"), target = Path.Combine(work, "tone24.raw");
    WriteWavAsync(source, input, InRate).GetAwaiter().GetResult();
    Run("sox", [source, "-r", "24000", "-t", "f32", target, "rate", "-v"]);
    var bytes = File.ReadAllBytes(target);
    var output = new float[bytes.Length / 4];
    Buffer.BlockCopy(bytes, 0, output, 0, bytes.Length);
    return output;
}

static float[] Tone(double frequency, int rate) =>
    [.. Enumerable.Range(0, rate * 2).Select(i => (float)(0.5 * Math.Sin(2 * Math.PI * frequency * i / rate)))];

// Amplitude of a frequency over the middle second, Blackman–Harris windowed (−92 dB side lobes).
static double Level(float[] samples, double frequency, int rate)
{
    int start = samples.Length / 4, length = rate;
    double re = 0, im = 0, sum = 0;
    for (int i = 0; i < length; i++)
    {
        double x = 2 * Math.PI * i / (length - 1);
        double w = 0.35875 - (0.48829 * Math.Cos(x)) + (0.14128 * Math.Cos(2 * x)) - (0.01168 * Math.Cos(3 * x));
        double phase = 2 * Math.PI * frequency * i / rate;
        re += samples[start + i] * w * Math.Cos(phase);
        im += samples[start + i] * w * Math.Sin(phase);
        sum += w;
    }
    return 2 * Math.Sqrt((re * re) + (im * im)) / sum;
}

static double Db(double ratio) => 20 * Math.Log10(Math.Max(ratio, 1e-12));

static float[] SpeechLike(int rate, int seconds) =>
    [.. Enumerable.Range(0, rate * seconds).Select(i =>
    {
        double t = i / (double)rate;
        double envelope = Math.Max(0, Math.Sin(2 * Math.PI * 2.5 * t)) * (t % 2 < 1.6 ? 1 : 0.02);
        return (float)(envelope * ((0.3 * Math.Sin(2 * Math.PI * 180 * t)) + (0.15 * Math.Sin(2 * Math.PI * 900 * t)) + (0.05 * Math.Sin(2 * Math.PI * 3100 * t)) + (0.02 * Math.Sin(2 * Math.PI * 7000 * t))));
    })];

static float[] Tones(int rate, params (double Dbfs, double Seconds)[] parts)
{
    var samples = new List<float>();
    long n = 0;
    foreach (var (dbfs, seconds) in parts)
    {
        double amplitude = Math.Pow(10, dbfs / 20);
        for (long end = n + (long)(seconds * rate); n < end; n++)
        {
            samples.Add((float)(amplitude * Math.Sin(2 * Math.PI * 1000 * n / rate)));
        }
    }
    return [.. samples];
}

static float[] Stereo(float[] mono) => [.. mono.SelectMany(s => new[] { s, s })];

static async Task WriteWavAsync(string path, float[] samples, int rate, int channels = 1)
{
    // 32-bit float WAV: no quantisation between the two measurements.
    await using var file = File.Create(path);
    var header = new byte[44];
    "RIFF"u8.CopyTo(header);
    BitConverter.TryWriteBytes(header.AsSpan(4), 36 + (samples.Length * 4));
    "WAVEfmt "u8.CopyTo(header.AsSpan(8));
    BitConverter.TryWriteBytes(header.AsSpan(16), 16);
    BitConverter.TryWriteBytes(header.AsSpan(20), (short)3);
    BitConverter.TryWriteBytes(header.AsSpan(22), (short)channels);
    BitConverter.TryWriteBytes(header.AsSpan(24), rate);
    BitConverter.TryWriteBytes(header.AsSpan(28), rate * channels * 4);
    BitConverter.TryWriteBytes(header.AsSpan(32), (short)(channels * 4));
    BitConverter.TryWriteBytes(header.AsSpan(34), (short)32);
    "data"u8.CopyTo(header.AsSpan(36));
    BitConverter.TryWriteBytes(header.AsSpan(40), samples.Length * 4);
    await file.WriteAsync(header);
    var bytes = new byte[samples.Length * 4];
    Buffer.BlockCopy(samples, 0, bytes, 0, bytes.Length);
    await file.WriteAsync(bytes);
}

static double Best(int runs, Action action)
{
    double best = double.MaxValue;
    for (int i = 0; i < runs; i++)
    {
        var clock = Stopwatch.StartNew();
        action();
        best = Math.Min(best, clock.Elapsed.TotalSeconds);
    }
    return best;
}

static string Run(string command, string[] args, bool stderr = false)
{
    using var process = Process.Start(new ProcessStartInfo(command, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
    var output = process.StandardOutput.ReadToEndAsync();
    string errors = process.StandardError.ReadToEnd();
    process.WaitForExit();
    return stderr ? errors : output.Result;
}

static double ParseIntegrated(string log)
{
    string summary = log[log.LastIndexOf("Integrated loudness:", StringComparison.Ordinal)..];
    string line = summary.Split('\n').First(l => l.TrimStart().StartsWith("I:", StringComparison.Ordinal));
    return double.Parse(line.Split(':')[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
}

static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
