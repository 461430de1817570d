using Voice.Speech.Engines;

namespace Voice.Speech.Qwen3.Parity;

/// <summary>How one row of a reference case compares: ids, prompt, codes frame by frame, the stop, the streamed audio.</summary>
public sealed record ParityRow(
    string Case, int Row, bool IdsEqual, double PromptDifference, int ExpectedFrames, int ActualFrames, int? FirstDifferentFrame,
    StopReason ExpectedStop, StopReason ActualStop, double WaveSnrDb, int ExpectedSamples, int ActualSamples, double? MinGreedyMargin)
{
    public bool CodesIdentical => FirstDifferentFrame is null && ExpectedFrames == ActualFrames && ExpectedStop == ActualStop;

    /// <summary>Frames equal before the first difference, of the reference's frames.</summary>
    public double Agreement => ExpectedFrames == 0 ? 1 : (double)(FirstDifferentFrame ?? Math.Min(ExpectedFrames, ActualFrames)) / ExpectedFrames;
}

/// <summary>How a clone's prepared reference compares: its speaker embedding and (in-context) codes.</summary>
public sealed record ParityClone(string Case, double XVectorDifference, bool? ReferenceCodesEqual);

/// <summary>
/// Replays the official code's greedy runs (<see cref="Qwen3ReferenceSet"/>) through the engine, as a tenant's request
/// goes: the voice is made from the same spec, the text spoken with the official greedy settings and frame cap.
/// </summary>
public static class Qwen3Parity
{
    /// <summary>The engine's settings for the official run: arg-max with the repetition penalty, max_new_tokens - 1 frames, no runaway guard.</summary>
    public static GenerationSettings Settings(Qwen3Engine engine, Qwen3ReferenceSet set, ReferenceCase c) =>
        GenerationSettings.Greedy(engine.Graphs.Manifest.Generation) with
        {
            MaxFrames = set.MaxNewTokens - 1,
            StopRunaways = false,
            StreamingText = c.NonStreamingMode is { } allAtOnce ? !allAtOnce : null,
        };

    public static VoiceSpec Spec(Qwen3ReferenceSet set, ReferenceCase c) => c.Model switch
    {
        "voice_design" => new DesignVoiceSpec(c.Instruct ?? "", c.Language),
        "custom_voice" => new PresetVoiceSpec(c.Speaker!, c.Language, c.Instruct),
        _ => new CloneVoiceSpec(set.Read(set.References[c.RefAudio!]), 24_000, c.XVectorOnly ? null : c.RefText, c.Language),
    };

    public static async Task<IReadOnlyList<ParityRow>> ReplayAsync(Qwen3Engine engine, Qwen3ReferenceSet set, ReferenceCase c, CancellationToken cancellationToken)
    {
        var voice = await engine.CreateVoiceAsync(Spec(set, c), cancellationToken).ConfigureAwait(false);
        var requests = c.Rows.Select(r => new SynthesisRequest(r.Text, c.Language, voice)).ToList();
        var traces = await engine.TraceAsync(requests, Settings(engine, set, c), cancellationToken).ConfigureAwait(false);
        var results = new List<ParityRow>();
        for (int i = 0; i < c.Rows.Count; i++)
        {
            var (row, trace) = (c.Rows[i], traces[i]);
            if (trace.Prompts.Count != 1)
            {
                throw new InvalidOperationException($"{c.Name}: the engine spoke the text in {trace.Prompts.Count} generations; a reference case must be one.");
            }
            var tokenizer = engine.Tokenizer;
            bool ids = tokenizer.Target(row.Text).SequenceEqual(row.InputIds)
                && (row.InstructIds is null || tokenizer.Instruct(c.Instruct!).SequenceEqual(row.InstructIds))
                && (row.RefIds is null || tokenizer.Reference(c.RefText!).SequenceEqual(row.RefIds));
            double prompt = Math.Max(Difference(set.Read(row.Prompt), trace.Prompts[0].Embeds),
                Difference(set.Read(row.Trailing), trace.Prompts[0].Trailing.Length == 0 ? trace.Prompts[0].Pad : trace.Prompts[0].Trailing));
            int? first = null;
            for (int f = 0; f < Math.Min(row.Codes.Length, trace.Frames.Count) && first is null; f++)
            {
                first = row.Codes[f].SequenceEqual(trace.Frames[f]) ? null : f;
            }
            if (first is null && row.Codes.Length != trace.Frames.Count)
            {
                first = Math.Min(row.Codes.Length, trace.Frames.Count);
            }
            float[] expected = set.Read(row.Wave), actual = [.. trace.Audio];
            results.Add(new ParityRow(c.Name, i, ids, prompt, row.Codes.Length, trace.Frames.Count, first,
                row.StopFrame is null ? StopReason.FrameLimit : StopReason.EndOfSpeech, trace.Stops[0], SnrDb(expected, actual),
                expected.Length, actual.Length, row.MinGreedyMargin));
        }
        return results;
    }

    /// <summary>A clone case's speaker embedding and reference codes, from the engine's model, against the official ones.</summary>
    public static ParityClone ReplayClone(Qwen3Engine engine, Qwen3ReferenceSet set, ReferenceCase c)
    {
        float[] audio = set.Read(set.References[c.RefAudio!]);
        var row = c.Rows[0];
        double xvector = Difference(set.Read(row.XVector!), engine.Graphs.SpeakerEmbedding(audio));
        bool? codes = row.RefCodes is null ? null : engine.Graphs.Encode(audio).SequenceEqual(row.RefCodes.SelectMany(f => f));
        return new ParityClone(c.Name, xvector, codes);
    }

    /// <summary>The largest absolute difference relative to the reference's largest magnitude (infinite when the lengths differ).</summary>
    public static double Difference(float[] expected, float[] actual)
    {
        if (expected.Length != actual.Length)
        {
            return double.PositiveInfinity;
        }
        double scale = 1e-12, worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            scale = Math.Max(scale, Math.Abs(expected[i]));
            worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        }
        return worst / scale;
    }

    /// <summary>Signal-to-noise ratio of <paramref name="actual"/> against <paramref name="expected"/>, in dB (-inf when the lengths differ).</summary>
    public static double SnrDb(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        if (expected.Length != actual.Length)
        {
            return double.NegativeInfinity;
        }
        double signal = 0, noise = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            signal += (double)expected[i] * expected[i];
            double d = expected[i] - actual[i];
            noise += d * d;
        }
        return noise == 0 ? double.PositiveInfinity : 10 * Math.Log10(signal / noise);
    }
}
