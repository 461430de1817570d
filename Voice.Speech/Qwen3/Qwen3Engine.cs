using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Voice.Speech.Engines;
using Voice.Speech.Text;

namespace Voice.Speech.Qwen3;

/// <summary>
/// Where the model is and how to run it (<c>Speech:ModelDirectory</c>, <c>Speech:Provider</c>, …). Audio is decoded
/// in chunks: the first after <see cref="FirstChunkFrames"/>, then every <see cref="ChunkFrames"/>, each with up to
/// <see cref="ContextFrames"/> frames before it (README, "Qwen3-TTS": measured against a whole decode). A text of up
/// to <see cref="MaxTextTokens"/> tokens is one generation, as in the official code; a longer one is cut at sentence
/// ends into generations of at most that many.
/// </summary>
public sealed record Qwen3EngineOptions(string ModelDirectory, OnnxProviderOptions Onnx, int? Seed = null, int FirstChunkFrames = 4, int ChunkFrames = 12,
    int MaxBatchSize = 8, int ContextFrames = CodecStreamer.DefaultContext, int MaxTextTokens = 150);

/// <summary>
/// Qwen3-TTS (12 Hz) on ONNX Runtime: design from a description (VoiceDesign), preset speakers with an optional style
/// instruction (CustomVoice), cloning from a reference (Base: the speaker's x-vector and, with a transcript, the
/// reference's codes, computed once when the voice is made and kept in its prompt). Proven equal to the official
/// implementation by the reference tests (<c>tools/qwen3-reference</c>). Each generation's audio is streamed as its
/// frames are decoded. One engine per GPU; one generation at a time on it, which may be a batch of compatible requests.
/// </summary>
public sealed partial class Qwen3Engine : ISpeechEngine, IDisposable
{
    public const string EngineName = SpeechEngines.Qwen3;

    private static readonly Meter Meter = new("Voice.Speech.Qwen3");
    private static readonly Histogram<double> StepTime = Meter.CreateHistogram<double>("voice.qwen3.step.duration", "s", "Time per generated frame, by stage (talker, code_predictor).");
    private static readonly Histogram<double> PrefillTime = Meter.CreateHistogram<double>("voice.qwen3.prefill.duration", "s", "Time to prefill the talker with a prompt.");
    private static readonly Counter<long> Frames = Meter.CreateCounter<long>("voice.qwen3.frames", "{frame}", "Frames generated, by how the utterance ended.");

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>What the API knows without the model: every mode and language (the worker refuses what its variant cannot do, naming it).</summary>
    public static readonly SpeechEngineCapabilities StaticCapabilities = Qwen3Description.Capabilities;

    private readonly Qwen3EngineOptions _options;
    private readonly ILogger _logger;
    private readonly Qwen3Model _model;
    private readonly Qwen3Tokenizer _tokenizer;
    private readonly Qwen3Prompt _prompt;
    private readonly Qwen3Generator _generator;
    private readonly SemaphoreSlim _gate = new(1, 1); // one generation at a time on this engine's device

    public Qwen3Engine(Qwen3EngineOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
        _model = new Qwen3Model(options.ModelDirectory, options.Onnx, logger);
        try
        {
            _tokenizer = Qwen3Tokenizer.Load(options.ModelDirectory, _model.Manifest);
        }
        catch
        {
            _model.Dispose();
            throw;
        }
        _prompt = new Qwen3Prompt(_model, _tokenizer);
        _generator = new Qwen3Generator(_model);
        var manifest = _model.Manifest;
        Capabilities = StaticCapabilities with
        {
            Modes = [.. manifest.Modes.Select(m => Enum.Parse<VoiceMode>(m, ignoreCase: true))],
            Languages = [.. SpeechLanguages.All.Where(manifest.Languages.ContainsKey)],
            SampleRate = manifest.SampleRate,
            MaxBatchSize = Math.Max(1, options.MaxBatchSize),
        };
        LogLoaded(logger, manifest.Model, _model.Provider, options.ModelDirectory);
    }

    public string Name => EngineName;

    public string Model => _model.Manifest.Model;

    /// <summary>The execution provider the graphs run on.</summary>
    public string Provider => _model.Provider;

    /// <summary>The loaded graphs (the parity check compares their outputs with the official code's).</summary>
    public Qwen3Model Graphs => _model;

    public Qwen3Tokenizer Tokenizer => _tokenizer;

    public SpeechEngineCapabilities Capabilities { get; }

    /// <summary>
    /// A short greedy utterance in a voice this model can make (a design, a preset speaker, or a clone of a second of
    /// quiet noise): the graphs' first runs (allocations, kernel selection) happen here, not in a tenant's request.
    /// </summary>
    public async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        var manifest = _model.Manifest;
        VoiceSpec spec = manifest.Supports("design") ? new DesignVoiceSpec("a clear, neutral voice", "en")
            : manifest.Supports("preset") ? new PresetVoiceSpec(manifest.Speakers.Keys.Order(StringComparer.Ordinal).First(), "en")
            : new CloneVoiceSpec(QuietNoise(manifest.SampleRate), manifest.SampleRate, null, "en");
        var voice = await CreateVoiceAsync(spec, cancellationToken).ConfigureAwait(false);
        var settings = GenerationSettings.Greedy(manifest.Generation) with { MaxFrames = 8 };
        await foreach (var _ in SpeakAsync([new SynthesisRequest("Hello.", "en", voice)], settings, null, cancellationToken).ConfigureAwait(false))
        {
        }
    }

    private static float[] QuietNoise(int sampleRate)
    {
        var random = new Random(1);
        return [.. Enumerable.Range(0, sampleRate).Select(_ => (float)(random.NextDouble() - 0.5) * 0.01f)];
    }

    public IAsyncEnumerable<PcmChunk> SynthesizeAsync(SynthesisRequest request, CancellationToken cancellationToken) =>
        SynthesizeAsync(request, GenerationSettings.From(_model.Manifest.Generation, _options.Seed), cancellationToken);

    /// <summary>Speaks a text with explicit settings (tests use greedy and a seed).</summary>
    public async IAsyncEnumerable<PcmChunk> SynthesizeAsync(SynthesisRequest request, GenerationSettings settings,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var (_, chunk) in SpeakAsync([request], settings, null, cancellationToken).ConfigureAwait(false))
        {
            yield return chunk;
        }
    }

    /// <summary>
    /// Several requests at once (the worker batches requests with the same <see cref="ISpeechEngine.BatchKey"/>): their
    /// generations are run in rounds — the first of every request together, then the second of those that have one —
    /// each round one batched generation, each row's audio streamed as its frames are decoded.
    /// </summary>
    public IAsyncEnumerable<(int Index, PcmChunk Chunk)> SynthesizeBatchAsync(IReadOnlyList<SynthesisRequest> requests, CancellationToken cancellationToken) =>
        SynthesizeBatchAsync(requests, GenerationSettings.From(_model.Manifest.Generation, _options.Seed), cancellationToken);

    public IAsyncEnumerable<(int Index, PcmChunk Chunk)> SynthesizeBatchAsync(IReadOnlyList<SynthesisRequest> requests, GenerationSettings settings,
        CancellationToken cancellationToken) => SpeakAsync(requests, settings, null, cancellationToken);

    /// <summary>
    /// Speaks requests together and records what the engine did for each: its prompts, every frame's codes, why each
    /// generation ended, and the streamed audio. The reference tests and <c>tools/qwen3-reference</c> compare it with the official code.
    /// </summary>
    public async Task<IReadOnlyList<Qwen3Trace>> TraceAsync(IReadOnlyList<SynthesisRequest> requests, GenerationSettings settings, CancellationToken cancellationToken)
    {
        var traces = requests.Select(_ => new Qwen3Trace()).ToArray();
        await foreach (var (index, chunk) in SpeakAsync(requests, settings, traces, cancellationToken).ConfigureAwait(false))
        {
            traces[index].Audio.AddRange(chunk.Samples.ToArray());
        }
        return traces;
    }

    /// <summary>The generations of a text: the whole text when it is within the token budget, else sentences grouped up to it.</summary>
    private List<TextSegment> Generations(string text)
    {
        var sentences = SentenceSplitter.Segments(text).ToList();
        var generations = new List<TextSegment>();
        int tokens = 0;
        foreach (var sentence in sentences)
        {
            int count = _tokenizer.Encode(sentence.Text).Length;
            if (generations.Count > 0 && tokens + count <= _options.MaxTextTokens)
            {
                var last = generations[^1];
                generations[^1] = new TextSegment(last.Start, text[last.Start..(sentence.Start + sentence.Text.Length)]);
                tokens += count;
            }
            else
            {
                generations.Add(sentence);
                tokens = count;
            }
        }
        return generations;
    }

    private async IAsyncEnumerable<(int Index, PcmChunk Chunk)> SpeakAsync(IReadOnlyList<SynthesisRequest> requests, GenerationSettings settings,
        Qwen3Trace[]? traces, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var manifest = _model.Manifest;
        var voices = new StoredVoice[requests.Count];
        for (int i = 0; i < requests.Count; i++)
        {
            string language = requests[i].Language;
            if (!manifest.Languages.ContainsKey(language) && language != "auto")
            {
                throw new ArgumentException($"The model {manifest.Model} does not speak '{language}'; it speaks: {string.Join(", ", manifest.Languages.Keys)}.", nameof(requests));
            }
            voices[i] = Read(requests[i].Voice);
        }
        var segments = requests.Select(r => Generations(r.Text)).ToArray();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (int round = 0; round < segments.Max(s => s.Count); round++)
            {
                // The rows of this round: the requests that still have a generation, at most MaxBatchSize at a time.
                var due = Enumerable.Range(0, requests.Count).Where(i => round < segments[i].Count).ToList();
                foreach (var group in due.Chunk(Capabilities.MaxBatchSize))
                {
                    var prompts = new PromptEmbeddings[group.Length];
                    var streamers = new CodecStreamer[group.Length];
                    var timings = new GenerationTimings[group.Length];
                    for (int r = 0; r < group.Length; r++)
                    {
                        var (request, voice) = (requests[group[r]], voices[group[r]]);
                        var speaker = new SpeakerCondition(voice.Speaker is { } s ? manifest.Speakers[s] : null, voice.XVector, voice.ReferenceCodes,
                            voice.ReferenceText, voice.Speaker is { } d ? manifest.DialectOf(d) : null);
                        prompts[r] = _prompt.Build(segments[group[r]][round].Text, request.Language, voice.Instruct, speaker,
                            settings.StreamingText ?? voice.Mode == "clone");
                        streamers[r] = new CodecStreamer(_model, voice.ReferenceCodes, FirstChunkFrames(request.StreamingLatency), _options.ChunkFrames, _options.ContextFrames);
                        timings[r] = new GenerationTimings();
                        traces?[group[r]].Prompts.Add(prompts[r]);
                    }
                    int?[] seeds = [.. group.Select(i => requests[i].Seed ?? voices[i].Seed)];
                    await foreach (var (row, frame) in _generator.GenerateBatchAsync(prompts, settings, timings, cancellationToken, seeds).ConfigureAwait(false))
                    {
                        traces?[group[row]].Frames.Add(frame);
                        if (streamers[row].Add(frame) is { } audio)
                        {
                            yield return (group[row], new PcmChunk(audio, manifest.SampleRate, Progress(group[row], round, partial: true)));
                        }
                    }
                    for (int r = 0; r < group.Length; r++)
                    {
                        float[] rest = streamers[r].Flush();
                        if (rest.Length > 0)
                        {
                            yield return (group[r], new PcmChunk(rest, manifest.SampleRate, Progress(group[r], round, partial: false)));
                        }
                        traces?[group[r]].Stops.Add(timings[r].Stop);
                        Record(timings[r]);
                    }
                }
            }
        }
        finally
        {
            _gate.Release();
        }

        // How much of a request's text is spoken once this chunk has played: the generations before, and this one at its end.
        double Progress(int index, int round, bool partial)
        {
            var segment = segments[index][round];
            double spoken = (partial ? segment.Start : segment.Start + segment.Text.Length) / (double)Math.Max(1, requests[index].Text.Length);
            return Math.Min(1, spoken);
        }
    }

    /// <summary>
    /// Frames in a stream's first chunk for a request's <c>optimize_streaming_latency</c>: 0 waits for a whole chunk
    /// (<see cref="Qwen3EngineOptions.ChunkFrames"/>, 0.96 s of audio), 1 for 8 frames, 2 for 4, 3 for 2, 4 sends the first
    /// frame (80 ms) alone; none: <see cref="Qwen3EngineOptions.FirstChunkFrames"/>. A smaller first chunk starts the audio
    /// sooner and costs one to three more decoder runs; the audio hardly differs (the decoder is causal and each chunk is decoded with its left context).
    /// </summary>
    public int FirstChunkFrames(int? streamingLatency) => streamingLatency switch
    {
        0 => _options.ChunkFrames,
        1 => 8,
        2 => 4,
        3 => 2,
        4 => 1,
        _ => _options.FirstChunkFrames,
    };

    private static void Record(GenerationTimings timings)
    {
        PrefillTime.Record(timings.Prefill.TotalSeconds);
        if (timings.Frames > 0)
        {
            StepTime.Record(timings.Talker.TotalSeconds / timings.Frames, new KeyValuePair<string, object?>("stage", "talker"));
            StepTime.Record(timings.CodePredictor.TotalSeconds / timings.Frames, new KeyValuePair<string, object?>("stage", "code_predictor"));
        }
        Frames.Add(timings.Frames, new KeyValuePair<string, object?>("stop", timings.Stop.ToString()));
    }

    public void Dispose()
    {
        _model.Dispose();
        _gate.Dispose();
    }

    [LoggerMessage(EventId = 7202, Level = LogLevel.Information, Message = "Qwen3-TTS model {Model} loaded on {Provider} from {Directory}")]
    private static partial void LogLoaded(ILogger logger, string model, string provider, string directory);
}
