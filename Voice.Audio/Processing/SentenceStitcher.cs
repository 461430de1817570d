namespace Voice.Audio.Processing;

/// <summary>
/// Joins separately synthesised sentences into one continuous stream without clicks: each segment's leading
/// and trailing silence is trimmed, its edges get raised-cosine fades, and a fixed pause separates it from the
/// previous one. The fade-out of one sentence and the fade-in of the next thus cross through the pause, so no
/// boundary has a step in the waveform whatever the engine left at the segment's ends. Streaming: each segment
/// is emitted as soon as it is pushed.
/// </summary>
public sealed class SentenceStitcher(int sampleRate, TimeSpan? pause = null, TimeSpan? fade = null)
{
    private const float SilenceThreshold = 0.003f; // about −50 dBFS
    private readonly int _pause = (int)(sampleRate * (pause ?? TimeSpan.FromMilliseconds(280)).TotalSeconds);
    private readonly int _fade = Math.Max(1, (int)(sampleRate * (fade ?? TimeSpan.FromMilliseconds(8)).TotalSeconds));
    private bool _started;

    /// <summary>
    /// Where the last pushed segment's first sample lies in what <see cref="Push"/> returned for it (the pause
    /// before it less the silence trimmed from its start): how positions within a segment, such as word
    /// boundaries, move.
    /// </summary>
    public int LastOffset { get; private set; }

    /// <summary>The segment as it should be played next (with the pause before it), or empty when it held only silence.</summary>
    public float[] Push(ReadOnlySpan<float> segment)
    {
        int start = 0, end = segment.Length;
        while (start < end && Math.Abs(segment[start]) < SilenceThreshold)
        {
            start++;
        }
        while (end > start && Math.Abs(segment[end - 1]) < SilenceThreshold)
        {
            end--;
        }
        if (start == end)
        {
            LastOffset = 0;
            return [];
        }
        // The fades lie inside the sound (what was trimmed is below −50 dBFS), so they taper real signal even
        // where an engine stopped it abruptly.
        int lead = _started ? _pause : 0;
        var output = new float[lead + end - start];
        segment[start..end].CopyTo(output.AsSpan(lead));
        var body = output.AsSpan(lead);
        int fade = Math.Min(_fade, body.Length / 2);
        for (int i = 0; i < fade; i++)
        {
            float gain = (float)(0.5 - (0.5 * Math.Cos(Math.PI * i / fade)));
            body[i] *= gain;
            body[body.Length - 1 - i] *= gain;
        }
        _started = true;
        LastOffset = lead - start;
        return output;
    }
}
