using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Voice.Speech.Qwen3;

/// <summary>How one generation is sampled and bounded. <see cref="Seed"/> makes it repeatable; greedy when the temperatures are 0.</summary>
public sealed record GenerationSettings(
    SamplingSettings Talker,
    SamplingSettings CodePredictor,
    int? Seed = null,
    int MinFrames = 2,
    int? MaxFrames = null)
{
    public static GenerationSettings From(GenerationDefaults defaults, int? seed = null) => new(
        new SamplingSettings(defaults.Temperature, defaults.TopK, defaults.TopP, defaults.RepetitionPenalty),
        new SamplingSettings(defaults.SubtalkerTemperature, defaults.SubtalkerTopK, defaults.SubtalkerTopP),
        seed, defaults.MinNewTokens);

    public static GenerationSettings Greedy { get; } = new(new SamplingSettings(0, 0, 1), new SamplingSettings(0, 0, 1));
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

    /// <summary>The frame cap for a text of <paramref name="textTokens"/> tokens: 6 frames a token, at least 75 (6 s), at most the model's max_new_tokens.</summary>
    public int FrameLimit(int textTokens, GenerationSettings settings) =>
        settings.MaxFrames ?? Math.Min(M.Generation.MaxNewTokens, Math.Max(75, 6 * textTokens));

    /// <summary>Streams the frames ([Q] codes each) of one utterance.</summary>
    public async IAsyncEnumerable<long[]> GenerateAsync(PromptEmbeddings prompt, GenerationSettings settings, GenerationTimings? timings = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        timings ??= new GenerationTimings();
        int q = M.Codebooks, h = model.Hidden, eos = M.Special("codec_eos");
        int limit = FrameLimit(prompt.TextTokens, settings);
        var random = settings.Seed is { } seed ? new Random(seed) : new Random();
        var talkerSampler = new Qwen3Sampler(M.Talker.VocabSize, random);
        var predictorSampler = new Qwen3Sampler(M.CodebookSize, random);
        var history = new List<int>();

        using var cache = model.NewCache("talker");
        long started = Stopwatch.GetTimestamp();
        var (logits, hidden) = model.Talker(cache, prompt.Embeds);
        timings.Prefill = Stopwatch.GetElapsedTime(started);

        for (int frame = 0; ; frame++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Codebook 0: only codes and end-of-speech may be chosen, and end-of-speech not before the minimum.
            bool mayEnd = frame >= settings.MinFrames;
            int c0 = talkerSampler.Sample(logits, settings.Talker, history, id => id < M.CodebookSize || (id == eos && mayEnd));
            if (c0 == eos)
            {
                timings.Stop = StopReason.EndOfSpeech;
                break;
            }
            if (frame >= limit)
            {
                timings.Stop = StopReason.FrameLimit;
                break;
            }
            history.Add(c0);
            if (Runaway(history))
            {
                timings.Stop = StopReason.Repetition;
                break;
            }

            long predictorStarted = Stopwatch.GetTimestamp();
            var codes = new long[q];
            codes[0] = c0;
            using (var predictorCache = model.NewCache("code_predictor"))
            {
                float[] input = [.. hidden, .. model.CodecEmbed([c0])];
                for (int step = 0; step < q - 1; step++)
                {
                    float[] stepLogits = model.CodePredictor(predictorCache, input, step);
                    codes[step + 1] = predictorSampler.Sample(stepLogits, settings.CodePredictor);
                    if (step < q - 2)
                    {
                        input = model.CodePredictorEmbed(codes[step + 1], step);
                    }
                }
            }
            timings.CodePredictor += Stopwatch.GetElapsedTime(predictorStarted);
            timings.Frames = frame + 1;
            yield return codes;

            // The next talker input: this frame's embedding plus the next trailing text token (or tts_pad).
            long talkerStarted = Stopwatch.GetTimestamp();
            float[] next = model.FrameEmbed(codes, 1);
            var text = frame * h < prompt.Trailing.Length ? prompt.Trailing.AsSpan(frame * h, h) : prompt.Pad;
            for (int i = 0; i < h; i++)
            {
                next[i] += text[i];
            }
            (logits, hidden) = model.Talker(cache, next);
            timings.Talker += Stopwatch.GetElapsedTime(talkerStarted);
            await Task.Yield(); // let a cancellation or the consumer in between frames
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
