namespace Voice.Audio;

/// <summary>Decoded audio: interleaved float samples in [-1, 1].</summary>
public sealed record AudioBuffer(float[] Samples, int SampleRate, int Channels)
{
    public int Frames => Samples.Length / Channels;

    public TimeSpan Duration => TimeSpan.FromSeconds(Frames / (double)SampleRate);
}
