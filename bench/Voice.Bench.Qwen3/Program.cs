using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Voice.Speech.Qwen3;

// The Qwen3-TTS engine's own cost per frame: the generation loop (sampling, prompt and frame embeddings, KV caches
// through IO bindings, the code predictor's steps) on the tiny test model, whose graphs cost next to nothing — so
// what is measured is the C# loop plus ONNX Runtime's per-call overhead, the floor under any real model's step time.
// Real time at 12.5 frames/s leaves 80 ms per frame; the real 1.7B model's own kernels come on top (GPU only).
// The same on a random model of the real 0.6B sizes (tools/qwen3-export/make_sized_model.py) gives the CPU provider's
// actual step time for that architecture.
// Usage: dotnet run -c Release --project bench/Voice.Bench.Qwen3 [model dir] [frames] [intra-op threads (0: ONNX Runtime's choice)] [batch sizes]
string directory = args.Length > 0 ? args[0] : Path.Combine("Voice.Tests", "Speech", "Fixtures", "qwen3-tiny");
int frames = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 400;
int threads = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1;
int[] batches = args.Length > 3 ? [.. args[3].Split(',').Select(b => int.Parse(b, CultureInfo.InvariantCulture))] : [1, 2, 4, 8];
using var model = new Qwen3Model(directory, new OnnxProviderOptions("cpu", IntraOpThreads: threads), NullLogger.Instance);
var tokenizer = Qwen3Tokenizer.Load(directory, model.Manifest);
var builder = new Qwen3Prompt(model, tokenizer);
var generator = new Qwen3Generator(model);
var settings = GenerationSettings.From(model.Manifest.Generation, seed: 1) with { MinFrames = frames, MaxFrames = frames };
int calls = 1 + 1 + (model.Manifest.Codebooks - 1) + (model.Manifest.Codebooks - 2) + 1; // talker, c0 embed, predictor steps, predictor embeds, frame embed

Console.WriteLine($"# {model.Manifest.Model}: hidden {model.Hidden}, {model.Manifest.Talker.Layers}+{model.Manifest.CodePredictor.Layers} layers, {model.Manifest.Codebooks} codebooks, {calls} ONNX Runtime calls a frame; CPU provider, {(threads == 0 ? "default" : threads.ToString(CultureInfo.InvariantCulture))} intra-op threads, {Environment.ProcessorCount} cores, {frames} frames a row");
Console.WriteLine();
Console.WriteLine("| batch | frames/s (all rows) | ms per step | talker ms/step | code predictor ms/step | real-time factor per row | KB allocated per row-frame |");
Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");
foreach (int batch in batches)
{
    var prompts = Enumerable.Range(0, batch).Select(i => builder.Build($"Benchmark sentence number {i}.", "en", null, new SpeakerCondition(), streamingText: false)).ToArray();
    await RunAsync(prompts, settings with { MinFrames = 3, MaxFrames = 3 }); // warm-up
    var timings = prompts.Select(_ => new GenerationTimings()).ToArray();
    long allocated = GC.GetTotalAllocatedBytes(precise: true);
    var clock = Stopwatch.StartNew();
    int produced = await RunAsync(prompts, settings, timings);
    clock.Stop();
    double allocatedKb = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / 1024.0 / produced;
    double steps = produced / (double)batch;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {batch} | {produced / clock.Elapsed.TotalSeconds:N1} | {clock.Elapsed.TotalMilliseconds / steps:0.00} | {timings[0].Talker.TotalMilliseconds / steps:0.00} | {timings[0].CodePredictor.TotalMilliseconds / steps:0.00} | {clock.Elapsed.TotalMilliseconds / steps / 80:0.000} | {allocatedKb:0.0} |"));
}

async Task<int> RunAsync(PromptEmbeddings[] prompts, GenerationSettings run, GenerationTimings[]? timings = null)
{
    int count = 0;
    await foreach (var _ in generator.GenerateBatchAsync(prompts, run, timings))
    {
        count++;
    }
    return count;
}
