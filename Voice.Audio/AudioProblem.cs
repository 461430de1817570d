namespace Voice.Audio;

public enum AudioProblemKind
{
    TooLarge,
    UnsupportedFormat,
    Corrupt,
    TooShort,
    TooLong,
    Silent,
}

/// <summary>
/// Why an upload was refused, with a message a person can act on. The API turns it into an RFC 9457 problem
/// of type <c>audio/&lt;slug&gt;</c>; nothing else a decoder does may escape as an exception.
/// </summary>
public sealed class AudioProblemException(AudioProblemKind kind, string message) : Exception(message)
{
    public AudioProblemKind Kind { get; } = kind;

    public string Slug => Kind switch
    {
        AudioProblemKind.TooLarge => "too-large",
        AudioProblemKind.UnsupportedFormat => "unsupported-format",
        AudioProblemKind.Corrupt => "corrupt",
        AudioProblemKind.TooShort => "too-short",
        AudioProblemKind.TooLong => "too-long",
        _ => "silent",
    };
}

/// <summary>What an upload may be. Checked while decoding, so a lying header cannot make us allocate or work for it.</summary>
public sealed record AudioLimits
{
    public long MaxBytes { get; init; } = 10 * 1024 * 1024;
    public TimeSpan MinDuration { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxDuration { get; init; } = TimeSpan.FromSeconds(60);
    public int MinSampleRate { get; init; } = 8_000;
    public int MaxSampleRate { get; init; } = 192_000;
    public int MaxChannels { get; init; } = 8;

    /// <summary>
    /// The most decoded samples (rate × channels × seconds) an upload may hold: 60 s of 96 kHz stereo, 46 MB as
    /// floats. A file that compresses extremely well (a constant 192 kHz, 8-channel signal is 31 KB of FLAC for a
    /// minute) would otherwise cost hundreds of megabytes to decode while staying within every other limit.
    /// </summary>
    public long MaxDecodedSamples { get; init; } = 60L * 96_000 * 2;

    public static AudioLimits Reference { get; } = new();

    /// <summary>The most frames a valid upload at <paramref name="sampleRate"/> can hold.</summary>
    public long MaxFrames(int sampleRate) => (long)Math.Ceiling(MaxDuration.TotalSeconds * sampleRate);

    internal void CheckFormat(int sampleRate, int channels)
    {
        if (channels <= 0)
        {
            throw new AudioProblemException(AudioProblemKind.Corrupt, "The file declares no audio channels.");
        }
        if (channels > MaxChannels)
        {
            throw new AudioProblemException(AudioProblemKind.UnsupportedFormat, $"The file has {channels} channels; at most {MaxChannels} are accepted.");
        }
        if (sampleRate < MinSampleRate || sampleRate > MaxSampleRate)
        {
            throw new AudioProblemException(AudioProblemKind.UnsupportedFormat,
                $"The sample rate is {sampleRate} Hz; {MinSampleRate}–{MaxSampleRate} Hz are accepted.");
        }
    }

    /// <summary>Refuses <paramref name="samples"/> interleaved samples of this format if they run too long or exceed the budget.</summary>
    internal void CheckSamples(long samples, int sampleRate, int channels)
    {
        long byDuration = MaxFrames(sampleRate) * channels;
        if (samples > Math.Min(byDuration, MaxDecodedSamples))
        {
            throw samples > byDuration ? TooLong() : TooManySamples(sampleRate, channels);
        }
    }

    private AudioProblemException TooManySamples(int sampleRate, int channels) =>
        new(AudioProblemKind.TooLarge, $"The recording decodes to more than {MaxDecodedSamples / 1e6:0.#} million samples " +
            $"({sampleRate} Hz × {channels} channels × seconds); send it at 48 kHz or less, in mono or stereo.");

    private AudioProblemException TooLong() =>
        new(AudioProblemKind.TooLong, $"The recording is longer than {MaxDuration.TotalSeconds:0} seconds.");
}
