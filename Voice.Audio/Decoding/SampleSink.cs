namespace Voice.Audio.Decoding;

/// <summary>
/// Collects decoded interleaved samples and stops the decoder the moment the audio exceeds the duration
/// limit or the decoded-samples budget, so a file that lies about its length, or compresses a huge signal into
/// a few kilobytes, costs at most the budget in memory and time.
/// </summary>
internal sealed class SampleSink(AudioLimits limits, int sampleRate, int channels)
{
    private readonly long _maxByDuration = limits.MaxFrames(sampleRate) * channels;
    private readonly long _maxSamples = Math.Min(limits.MaxFrames(sampleRate) * channels, limits.MaxDecodedSamples);
    private float[] _samples = new float[Math.Min(1 << 16, (int)Math.Min(int.MaxValue / 2, limits.MaxFrames(sampleRate) * channels))];
    private int _count;

    public int SampleRate { get; } = sampleRate;

    public int Channels { get; } = channels;

    public void Add(ReadOnlySpan<float> samples)
    {
        if (_count + (long)samples.Length > _maxSamples)
        {
            throw _count + (long)samples.Length > _maxByDuration ? limits.TooLong() : limits.TooManySamples(SampleRate, Channels);
        }
        if (_count + samples.Length > _samples.Length)
        {
            Array.Resize(ref _samples, (int)Math.Min(_maxSamples, Math.Max(_samples.Length * 2L, _count + (long)samples.Length)));
        }
        samples.CopyTo(_samples.AsSpan(_count));
        _count += samples.Length;
    }

    public AudioBuffer ToBuffer() => new(_samples[..(_count - (_count % Channels))], SampleRate, Channels);
}
