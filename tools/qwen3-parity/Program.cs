// The C# engine against the official Qwen3-TTS code: replays every reference case (tools/qwen3-reference) through
// the engine on the given exports and prints, per case, token ids, prompt, codes (identical frames, first
// difference), stop and streamed-audio SNR; then the streaming decoder's SNR for a range of left contexts.
//
//   dotnet run --project tools/qwen3-parity -- <reference dir> --model <export dir>      one model (a real checkpoint)
//   dotnet run --project tools/qwen3-parity -- <reference dir> --models <dir of kinds>   voice_design/, custom_voice/, base/
//   --report   print only (exit 0); otherwise exit 1 unless every case is identical and every SNR >= 40 dB
using Microsoft.Extensions.Logging.Abstractions;
using Voice.Speech.Qwen3;
using Voice.Speech.Qwen3.Parity;

if (args.Length < 3)
{
    Console.Error.WriteLine("usage: qwen3-parity <reference dir> (--model <export dir> | --models <dir with voice_design, custom_voice, base>) [--report]");
    return 2;
}
var set = Qwen3ReferenceSet.Load(args[0]);
bool report = args.Contains("--report");
var engines = new Dictionary<string, Qwen3Engine>();
string Option(string name) => args[Array.IndexOf(args, name) + 1];
if (args.Contains("--model"))
{
    var engine = Open(Option("--model"));
    engines[engine.Graphs.Manifest.Variant] = engine;
}
else
{
    foreach (string kind in new[] { "voice_design", "custom_voice", "base" }.Where(k => Directory.Exists(Path.Combine(Option("--models"), k))))
    {
        engines[kind] = Open(Path.Combine(Option("--models"), kind));
    }
}

bool ok = true;
int frames = 0, identical = 0;
Console.WriteLine($"{"case",-30} {"ids",4} {"prompt",9} {"frames",9} {"first diff",10} {"stop",22} {"SNR dB",7} {"margin",8}");
foreach (var c in set.Cases.Where(c => engines.ContainsKey(c.Model)))
{
    foreach (var row in await Qwen3Parity.ReplayAsync(engines[c.Model], set, c, CancellationToken.None))
    {
        frames += row.ExpectedFrames;
        identical += row.FirstDifferentFrame ?? row.ExpectedFrames;
        ok &= row.IdsEqual && row.CodesIdentical && row.WaveSnrDb >= 40;
        string name = c.Rows.Count > 1 ? $"{c.Name}[{row.Row}]" : c.Name;
        Console.WriteLine($"{name,-30} {(row.IdsEqual ? "=" : "DIFF"),4} {row.PromptDifference,9:e1} {row.ActualFrames,4}/{row.ExpectedFrames,-4} " +
            $"{row.FirstDifferentFrame?.ToString() ?? "-",10} {$"{row.ActualStop}/{row.ExpectedStop}",22} {row.WaveSnrDb,7:F1} {row.MinGreedyMargin,8:e1}");
    }
}
Console.WriteLine($"frames identical before any difference: {identical} of {frames} ({100.0 * identical / Math.Max(1, frames):F1} %)");

// Streaming: each reference case's codes decoded in chunks (first 4 frames, then 12) with N frames of left context,
// against one whole decode of the same codes.
Console.WriteLine("streamed vs whole decode, worst case over the reference codes (first chunk 4 frames, then 12):");
foreach (int context in new[] { 0, 4, 8, 12, 25, 50, 72, 100, 150 })
{
    double worst = double.PositiveInfinity;
    foreach (var c in set.Cases.Where(c => engines.ContainsKey(c.Model)))
    {
        var graphs = engines[c.Model].Graphs;
        foreach (var row in c.Rows.Where(r => r.Codes.Length > 16))
        {
            var whole = graphs.Decode([.. row.Codes.SelectMany(f => f)], row.Codes.Length);
            var streamer = new CodecStreamer(graphs, null, 4, 12, context);
            var streamed = new List<float>();
            foreach (var frame in row.Codes)
            {
                streamed.AddRange(streamer.Add(frame) ?? []);
            }
            streamed.AddRange(streamer.Flush());
            worst = Math.Min(worst, Qwen3Parity.SnrDb(whole, [.. streamed]));
        }
    }
    Console.WriteLine($"  context {context,3} frames: {worst,6:F1} dB");
}
foreach (var engine in engines.Values)
{
    engine.Dispose();
}
return ok || report ? 0 : 1;

static Qwen3Engine Open(string directory) => new(new Qwen3EngineOptions(directory, new OnnxProviderOptions("cpu")), NullLogger.Instance);
