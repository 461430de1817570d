namespace Voice.Audio.Processing;

/// <summary>
/// Trims the silence at the edges of audio that will be joined to its neighbours (a request that names the text
/// before or after it): from the start, everything up to <see cref="Lead"/> before the first sound; from the end,
/// everything from <see cref="Lead"/> after the last sound. Clips joined back to back then sound like one passage
/// rather than sentences with an engine's start and end pauses between them. Works on audio as it streams: samples
/// are appended to a list, <see cref="Accept"/> looks at the new ones, <see cref="Ready"/> says how many may go out.
/// </summary>
public sealed class JoinTrimmer(bool trimStart, bool trimEnd, int sampleRate)
{
    /// <summary>A sample above this (−40 dBFS) is sound; engines' pauses are far below it.</summary>
    public const float Threshold = 0.01f;

    /// <summary>Kept before the first and after the last sound, so no consonant is cut.</summary>
    public static readonly TimeSpan Lead = TimeSpan.FromMilliseconds(50);

    private readonly int _lead = (int)(sampleRate * Lead.TotalSeconds);
    private bool _started = !trimStart;
    private int _lastSound = -1;

    /// <summary>Samples removed from the start (what the times of later events shift by).</summary>
    public int TrimmedAtStart { get; private set; }

    /// <summary>Looks at the samples from <paramref name="from"/> on; before the first sound, drops the silence so far.</summary>
    public void Accept(List<float> samples, int from)
    {
        if (!_started)
        {
            int first = FirstSound(samples, from);
            int cut = first < 0 ? Math.Max(0, samples.Count - _lead) : Math.Max(0, first - _lead);
            samples.RemoveRange(0, cut);
            TrimmedAtStart += cut;
            if (first < 0)
            {
                return;
            }
            _started = true;
            from = first - cut;
        }
        for (int i = samples.Count - 1; i >= from; i--)
        {
            if (Math.Abs(samples[i]) > Threshold)
            {
                _lastSound = i;
                break;
            }
        }
    }

    /// <summary>How many of <paramref name="count"/> samples are final: none before the first sound, none past the last one's lead.</summary>
    public int Ready(int count) => !_started ? 0 : trimEnd ? Math.Min(count, _lastSound + 1 + _lead) : count;

    /// <summary>At the end: drops what follows the last sound's lead.</summary>
    public void Finish(List<float> samples)
    {
        int keep = trimEnd ? Math.Min(samples.Count, _lastSound + 1 + _lead) : samples.Count;
        samples.RemoveRange(keep, samples.Count - keep);
    }

    private static int FirstSound(List<float> samples, int from)
    {
        for (int i = from; i < samples.Count; i++)
        {
            if (Math.Abs(samples[i]) > Threshold)
            {
                return i;
            }
        }
        return -1;
    }
}
