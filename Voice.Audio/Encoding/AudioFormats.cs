namespace Voice.Audio.Encoding;

/// <summary>The output formats the platform produces, their content types, sample rates and encoders.</summary>
public static class AudioFormats
{
    public const string Wav = "wav";
    public const string Pcm = "pcm";
    public const string Mp3 = "mp3";
    public const string Opus = "opus";
    public const string Flac = "flac";
    public const string Aac = "aac";

    /// <summary>G.711 μ-law and A-law at 8 kHz, raw (telephony; ElevenLabs' names).</summary>
    public const string MuLaw = "ulaw_8000";
    public const string ALaw = "alaw_8000";

    public static readonly IReadOnlyList<string> All = [Wav, Pcm, Mp3, Opus, Flac, Aac, MuLaw, ALaw];

    /// <summary>The output rates a request may ask for; the engines' audio is at <see cref="AudioFormat.PlatformSampleRate"/>.</summary>
    public static readonly IReadOnlyList<int> SampleRates = [8_000, 16_000, 22_050, 24_000, 44_100, 48_000];

    public static bool IsKnown(string format) => All.Contains(format, StringComparer.Ordinal);

    /// <summary>Whether this machine can produce the format (AAC needs ffmpeg).</summary>
    public static bool IsAvailable(string format) => format != Aac || AacEncoder.IsAvailable;

    /// <summary>The rate a format is defined at (G.711: 8 kHz), or null when any of <see cref="SampleRates"/> will do.</summary>
    public static int? FixedSampleRate(string format) => format is MuLaw or ALaw ? 8_000 : null;

    public static string ContentType(string format) => format switch
    {
        Wav => "audio/wav",
        Pcm => "audio/pcm",
        Mp3 => "audio/mpeg",
        Opus => "audio/ogg",
        Flac => "audio/flac",
        Aac => "audio/aac",
        MuLaw => "audio/basic", // RFC 2046: 8 kHz mono μ-law
        ALaw => "audio/x-alaw-basic",
        _ => "application/octet-stream",
    };

    public static string Extension(string format) => format switch
    {
        Opus => "ogg",
        Pcm => "pcm",
        MuLaw => "ulaw",
        ALaw => "alaw",
        _ => format,
    };

    /// <summary>
    /// An encoder of mono 24 kHz audio into <paramref name="format"/> at <paramref name="sampleRate"/> (the format's own
    /// rate, if it has one), writing to <paramref name="output"/>: the audio is resampled on the way in.
    /// </summary>
    public static IAudioEncoder CreateEncoder(string format, Stream output, AudioMetadata metadata, int sampleRate = AudioFormat.PlatformSampleRate)
    {
        int rate = FixedSampleRate(format) ?? sampleRate;
        IAudioEncoder encoder = format switch
        {
            Wav => new WavEncoder(output, metadata, rate),
            Pcm => new PcmEncoder(output),
            Mp3 => new Mp3Encoder(output, metadata, rate),
            Opus => new OggOpusEncoder(output, metadata, rate),
            Flac => new FlacEncoder(output, metadata, rate),
            Aac => new AacEncoder(output, metadata, rate),
            MuLaw or ALaw => new G711Encoder(output, muLaw: format == MuLaw),
            _ => throw new ArgumentException($"Unknown audio format '{format}'.", nameof(format)),
        };
        return rate == AudioFormat.PlatformSampleRate ? encoder : new ResamplingEncoder(encoder, rate);
    }

    /// <summary>Encodes a whole signal.</summary>
    public static async Task EncodeAsync(string format, ReadOnlyMemory<float> samples, Stream output, AudioMetadata metadata, CancellationToken cancellationToken,
        int sampleRate = AudioFormat.PlatformSampleRate)
    {
        await using var encoder = CreateEncoder(format, output, metadata, sampleRate);
        await encoder.WriteAsync(samples, cancellationToken).ConfigureAwait(false);
        await encoder.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }
}
