using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Voice.Speech.Qwen3;

/// <summary>
/// How one generation is sampled and bounded. <see cref="Seed"/> makes it repeatable; greedy when the temperatures are 0.
/// <see cref="MaxFrames"/> replaces the cap from the text's length; <see cref="StopRunaways"/> ends a codebook-0 loop
/// early (a guard the official code does not have); <see cref="StreamingText"/> overrides the official text layout
/// (null: streamed for clones, all in the prompt for design and presets).
/// </summary>
public sealed record GenerationSettings(
    SamplingSettings Talker,
    SamplingSettings CodePredictor,
    int? Seed = null,
    int MinFrames = 2,
    int? MaxFrames = null,
    bool StopRunaways = true,
    bool? StreamingText = null)
{
    public static GenerationSettings From(GenerationDefaults defaults, int? seed = null) => new(
        new SamplingSettings(defaults.Temperature, defaults.TopK, defaults.TopP, defaults.RepetitionPenalty),
        new SamplingSettings(defaults.SubtalkerTemperature, defaults.SubtalkerTopK, defaults.SubtalkerTopP),
        seed, defaults.MinNewTokens);

    /// <summary>The official greedy run (do_sample=False, subtalker_dosample=False): arg-max, yet with the repetition penalty, which Hugging Face applies to greedy search too.</summary>
    public static GenerationSettings Greedy(GenerationDefaults defaults) =>
        new(new SamplingSettings(0, 0, 1, defaults.RepetitionPenalty), new SamplingSettings(0, 0, 1), MinFrames: defaults.MinNewTokens);
}

/// <summary>Why a generation ended.</summary>
public enum StopReason
{
    EndOfSpeech,
    FrameLimit,
    Repetition,
}

/// <summary>Per-stage times of one generation, for metrics.</summary>
public sealed class GenerationTimings
{
    public TimeSpan Prefill { get; internal set; }

    public TimeSpan Talker { get; internal set; }

    public TimeSpan CodePredictor { get; internal set; }

    public int Frames { get; internal set; }

    public StopReason Stop { get; internal set; }
}

/// <summary>
/// The generation loop: prefill the talker with the prompt, then per frame sample codebook 0 from the talker,
/// run the code predictor through the residual codebooks (its own cache, fresh each frame), and feed the frame's
/// embedding (plus the next trailing text token) back into the talker, whose cache grows on the device. Ends at the
/// end-of-speech token, at the frame limit (from the text's length: the model can fail to stop), or when codebook 0
/// repeats one short pattern for seconds (the known runaway).
/// </summary>
public sealed class Qwen3Generator(Qwen3Model model)
{
    /// <summary>A pattern of at most this many frames repeated over <see cref="RepetitionWindow"/> frames is a runaway.</summary>
    public const int MaxRepeatPeriod = 4;
    public const int RepetitionWindow = 50; // 4 s at 12.5 Hz

    private Qwen3Manifest M => model.Manifest;

    /// <summary>
    /// The frame cap for a text of <paramref name="textTokens"/> tokens: 6 frames a token, at least 75 (6 s), and below
    /// the model's max_new_tokens (the official loop samples that many codebook-0 tokens; the last one gets no frame).
    /// </summary>
    public int FrameLimit(int textTokens, GenerationSettings settings) =>
        settings.MaxFrames ?? Math.Min(M.Generation.MaxNewTokens - 1, Math.Max(75, 6 * textTokens));

    /// <summary>Streams the frames ([Q] codes each) of one utterance.</summary>
    public async IAsyncEnumerable<long[]> GenerateAsync(PromptEmbeddings prompt, GenerationSettings settings, GenerationTimings? timings = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var (_, frame) in GenerateBatchAsync([prompt], settings, timings is null ? null : [timings], cancellationToken).ConfigureAwait(false))
        {
            yield return frame;
        }
    }

    /// <summary>
    /// Generates several utterances together, one batch row each: prompts left-padded to the longest (masked), each row
    /// with its own sampler (seeded alike, so a row's frames are what it would generate alone), its own stop and
    /// limit. Frames stream as (row, codes); a finished row rides along without output until every row is done.
    /// A row's own seed (<paramref name="seeds"/>: a request's) takes the place of the settings' one.
    /// </summary>
    public async IAsyncEnumerable<(int Row, long[] Frame)> GenerateBatchAsync(IReadOnlyList<PromptEmbeddings> prompts, GenerationSettings settings,
        IReadOnlyList<GenerationTimings>? timings = null, [EnumeratorCancellation] CancellationToken cancellationToken = default, IReadOnlyList<int?>? seeds = null)
    {
        int b = prompts.Count, q = M.Codebooks, h = model.Hidden, eos = M.Special("codec_eos");
        var rows = Enumerable.Range(0, b).Select(i => new Row(prompts[i], FrameLimit(prompts[i].TextTokens, settings),
            (seeds?[i] ?? settings.Seed) is { } seed ? new Random(seed) : new Random(), M,
            timings?[i] ?? new GenerationTimings())).ToArray();
        int longest = rows.Max(r => r.PromptLength(h));

        // Prefill: left padding (zeros, masked out), positions counted from each row's first real token.
        // Each row's mask is its padding (0) then everything since (1): derived from the pads and the total length.
        var embeds = new float[b * longest * h];
        var pads = new int[b];
        var positions = new long[b * longest];
        for (int i = 0; i < b; i++)
        {
            int length = rows[i].PromptLength(h);
            pads[i] = longest - length;
            prompts[i].Embeds.CopyTo(embeds, (i * longest + pads[i]) * h);
            for (int p = 0; p < length; p++)
            {
                positions[i * longest + pads[i] + p] = p;
            }
            rows[i].Position = length;
        }
        using var cache = model.NewCache("talker", b);
        long started = Stopwatch.GetTimestamp();
        var (logits, hidden) = model.Talker(cache, embeds, Mask(pads, longest), positions);
        var prefill = Stopwatch.GetElapsedTime(started);
        foreach (var row in rows)
        {
            row.Timings.Prefill = prefill;
        }

        int vocab = M.Talker.VocabSize;
        // The official suppress_tokens: the top 1,024 ids (control tokens) except end-of-speech. On every published model
        // they start at the codebook size; the hand-made test model has fewer, so it falls back to that.
        int firstControl = Math.Max(M.CodebookSize, vocab - 1024);
        for (int frame = 0; rows.Any(r => !r.Done); frame++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var c0 = new long[b];
            for (int i = 0; i < b; i++)
            {
                var row = rows[i];
                if (row.Done)
                {
                    continue;
                }
                bool mayEnd = frame >= settings.MinFrames;
                int token = row.TalkerSampler.Sample(logits.AsSpan(i * vocab, vocab), settings.Talker, row.History, id => id < firstControl || (id == eos && mayEnd));
                if (token == eos)
                {
                    row.Finish(StopReason.EndOfSpeech);
                }
                else if (frame >= row.Limit)
                {
                    row.Finish(StopReason.FrameLimit);
                }
                else
                {
                    row.History.Add(token);
                    if (settings.StopRunaways && Runaway(row.History))
                    {
                        row.Finish(StopReason.Repetition);
                    }
                    c0[i] = token;
                }
            }
            if (rows.All(r => r.Done))
            {
                break;
            }

            // The residual codebooks, every row at once, each step's input the codes just chosen.
            long predictorStarted = Stopwatch.GetTimestamp();
            var codes = new long[b * q];
            for (int i = 0; i < b; i++)
            {
                codes[i * q] = c0[i];
            }
            using (var predictorCache = model.NewCache("code_predictor", b))
            {
                var c0Embeds = model.CodecEmbed(c0); // [B·H]: the batch as one row of ids
                var input = new float[b * 2 * h];
                for (int i = 0; i < b; i++)
                {
                    hidden.AsSpan(i * h, h).CopyTo(input.AsSpan(i * 2 * h));
                    c0Embeds.AsSpan(i * h, h).CopyTo(input.AsSpan(i * 2 * h + h));
                }
                for (int step = 0; step < q - 1; step++)
                {
                    float[] stepLogits = model.CodePredictor(predictorCache, input, step);
                    var chosen = new long[b];
                    for (int i = 0; i < b; i++)
                    {
                        chosen[i] = rows[i].Done ? 0 : rows[i].PredictorSampler.Sample(stepLogits.AsSpan(i * M.CodebookSize, M.CodebookSize), settings.CodePredictor);
                        codes[i * q + step + 1] = chosen[i];
                    }
                    if (step < q - 2)
                    {
                        input = model.CodePredictorEmbed(chosen, step);
                    }
                }
            }
            var predictorTime = Stopwatch.GetElapsedTime(predictorStarted);
            for (int i = 0; i < b; i++)
            {
                var row = rows[i];
                if (!row.Done)
                {
                    row.Timings.CodePredictor += predictorTime;
                    row.Timings.Frames = frame + 1;
                    yield return (i, codes.AsSpan(i * q, q).ToArray());
                }
            }

            // The next talker input of each row: its frame's embedding plus its next trailing text token (or tts_pad).
            long talkerStarted = Stopwatch.GetTimestamp();
            float[] next = model.FrameEmbed(codes, 1, b);
            var stepPositions = new long[b];
            for (int i = 0; i < b; i++)
            {
                var trailing = prompts[i].Trailing;
                var text = frame * h < trailing.Length ? trailing.AsSpan(frame * h, h) : prompts[i].Pad;
                for (int j = 0; j < h; j++)
                {
                    next[i * h + j] += text[j];
                }
                stepPositions[i] = rows[i].Position++;
            }
            (logits, hidden) = model.Talker(cache, next, Mask(pads, cache.Length + 1), stepPositions);
            var talkerTime = Stopwatch.GetElapsedTime(talkerStarted);
            foreach (var row in rows.Where(r => !r.Done))
            {
                row.Timings.Talker += talkerTime;
            }
            await Task.Yield(); // let a cancellation or the consumer in between frames
        }
    }

    /// <summary>The attention mask [B·total]: each row's left padding masked out, every later position kept.</summary>
    private static long[] Mask(int[] pads, int total)
    {
        var mask = new long[pads.Length * total];
        for (int i = 0; i < pads.Length; i++)
        {
            mask.AsSpan(i * total + pads[i], total - pads[i]).Fill(1L);
        }
        return mask;
    }

    /// <summary>One batch row's own state: its samplers (seeded as a lone generation would be), history, limit and position.</summary>
    private sealed class Row(PromptEmbeddings prompt, int limit, Random random, Qwen3Manifest manifest, GenerationTimings timings)
    {
        // Both heads draw from one generator, as a lone generation does, so a seeded row repeats exactly.
        public Qwen3Sampler TalkerSampler { get; } = new(manifest.Talker.VocabSize, random);

        public Qwen3Sampler PredictorSampler { get; } = new(manifest.CodebookSize, random);

        public List<int> History { get; } = [];

        public int Limit { get; } = limit;

        public long Position { get; set; }

        public bool Done { get; private set; }

        public GenerationTimings Timings { get; } = timings;

        public int PromptLength(int hidden) => prompt.Embeds.Length / hidden;

        public void Finish(StopReason reason)
        {
            Done = true;
            Timings.Stop = reason;
        }
    }

    /// <summary>True when the last <see cref="RepetitionWindow"/> codebook-0 tokens are one pattern of period ≤ <see cref="MaxRepeatPeriod"/> repeated.</summary>
    public static bool Runaway(IReadOnlyList<int> history)
    {
        if (history.Count < RepetitionWindow)
        {
            return false;
        }
        int start = history.Count - RepetitionWindow;
        for (int period = 1; period <= MaxRepeatPeriod; period++)
        {
            bool repeats = true;
            for (int i = start + period; i < history.Count && repeats; i++)
            {
                repeats = history[i] == history[i - period];
            }
            if (repeats)
            {
                return true;
            }
        }
        return false;
    }
}
