namespace Voice.Speech.Qwen3;

/// <summary>How one head picks its token: greedy when <see cref="Temperature"/> is 0, else temperature, top-k, top-p and a multinomial draw.</summary>
public sealed record SamplingSettings(float Temperature, int TopK, float TopP, float RepetitionPenalty = 1f)
{
    public bool Greedy => Temperature <= 0;
}

/// <summary>
/// The sampler of the reference implementation (Hugging Face's logits processors, in their order): suppressed ids,
/// repetition penalty over the tokens given, temperature, top-k, top-p, then a draw from the seeded generator.
/// </summary>
public sealed class Qwen3Sampler(int vocabulary, Random random)
{
    private readonly float[] _scores = new float[vocabulary];
    private readonly int[] _order = new int[vocabulary];

    /// <param name="logits">The head's logits (not changed).</param>
    /// <param name="settings">Temperature, top-k, top-p, repetition penalty.</param>
    /// <param name="penalised">Tokens already generated that the repetition penalty applies to.</param>
    /// <param name="allowed">Which ids may be chosen at all (null: every id).</param>
    public int Sample(ReadOnlySpan<float> logits, SamplingSettings settings, IReadOnlyCollection<int>? penalised = null, Func<int, bool>? allowed = null)
    {
        int n = logits.Length;
        var scores = _scores.AsSpan(0, n);
        logits.CopyTo(scores);
        if (allowed is not null)
        {
            for (int i = 0; i < n; i++)
            {
                if (!allowed(i))
                {
                    scores[i] = float.NegativeInfinity;
                }
            }
        }
        if (penalised is { Count: > 0 } && settings.RepetitionPenalty != 1f)
        {
            foreach (int id in penalised.Distinct())
            {
                if ((uint)id < (uint)n && !float.IsNegativeInfinity(scores[id]))
                {
                    scores[id] = scores[id] > 0 ? scores[id] / settings.RepetitionPenalty : scores[id] * settings.RepetitionPenalty;
                }
            }
        }
        if (settings.Greedy)
        {
            return ArgMax(scores);
        }

        // Sort ids by score, keep the top k, turn the survivors into probabilities, keep the smallest set reaching top-p.
        var order = _order.AsSpan(0, n);
        for (int i = 0; i < n; i++)
        {
            order[i] = i;
        }
        var keys = _scores.AsSpan(0, n).ToArray(); // one copy: Sort reorders keys with the ids
        for (int i = 0; i < n; i++)
        {
            keys[i] = -keys[i];
        }
        keys.AsSpan().Sort(order);
        int keep = settings.TopK > 0 ? Math.Min(settings.TopK, n) : n;
        while (keep > 0 && float.IsNegativeInfinity(scores[order[keep - 1]]))
        {
            keep--;
        }
        if (keep == 0)
        {
            throw new InvalidOperationException("Every token is suppressed.");
        }
        float max = scores[order[0]] / settings.Temperature;
        double total = 0;
        var probabilities = new double[keep];
        for (int i = 0; i < keep; i++)
        {
            probabilities[i] = Math.Exp(scores[order[i]] / settings.Temperature - max);
            total += probabilities[i];
        }
        if (settings.TopP < 1f)
        {
            double cumulative = 0;
            for (int i = 0; i < keep; i++)
            {
                cumulative += probabilities[i] / total;
                if (cumulative >= settings.TopP)
                {
                    keep = i + 1;
                    break;
                }
            }
            total = 0;
            for (int i = 0; i < keep; i++)
            {
                total += probabilities[i];
            }
        }
        double draw = random.NextDouble() * total;
        for (int i = 0; i < keep; i++)
        {
            draw -= probabilities[i];
            if (draw <= 0)
            {
                return order[i];
            }
        }
        return order[keep - 1];
    }

    private static int ArgMax(ReadOnlySpan<float> scores)
    {
        int best = 0;
        for (int i = 1; i < scores.Length; i++)
        {
            if (scores[i] > scores[best])
            {
                best = i;
            }
        }
        return best;
    }
}
