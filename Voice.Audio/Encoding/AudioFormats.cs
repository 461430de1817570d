namespace Voice.Audio.Encoding;

/// <summary>The output formats the platform produces, their content types, and their encoders.</summary>
public static class AudioFormats
{
    public const string Wav = "wav";
    public const string Pcm = "pcm";
    public const string Mp3 = "mp3";
    public const string Opus = "opus";
    public const string Flac = "flac";
    public const string Aac = "aac";

    public static readonly IReadOnlyList<string> All = [Wav, Pcm, Mp3, Opus, Flac, Aac];

    public static bool IsKnown(string format) => All.Contains(format, StringComparer.Ordinal);

    /// <summary>Whether this machine can produce the format (AAC needs ffmpeg).</summary>
    public static bool IsAvailable(string format) => format != Aac || AacEncoder.IsAvailable;

    public static string ContentType(string format) => format switch
    {
        Wav => "audio/wav",
        Pcm => "audio/pcm",
        Mp3 => "audio/mpeg",
        Opus => "audio/ogg",
        Flac => "audio/flac",
        Aac => "audio/aac",
        _ => "application/octet-stream",
    };

    public static string Extension(string format) => format switch
    {
        Opus => "ogg",
        Pcm => "pcm",
        _ => format,
    };

    /// <summary>An encoder of mono 24 kHz audio into <paramref name="format"/>, writing to <paramref name="output"/>.</summary>
    public static IAudioEncoder CreateEncoder(string format, Stream output, AudioMetadata metadata) => format switch
    {
        Wav => new WavEncoder(output, metadata),
        Pcm => new PcmEncoder(output),
        Mp3 => new Mp3Encoder(output, metadata),
        Opus => new OggOpusEncoder(output, metadata),
        Flac => new FlacEncoder(output, metadata),
        Aac => new AacEncoder(output, metadata),
        _ => throw new ArgumentException($"Unknown audio format '{format}'.", nameof(format)),
    };

    /// <summary>Encodes a whole signal.</summary>
    public static async Task EncodeAsync(string format, ReadOnlyMemory<float> samples, Stream output, AudioMetadata metadata, CancellationToken cancellationToken)
    {
        await using var encoder = CreateEncoder(format, output, metadata);
        await encoder.WriteAsync(samples, cancellationToken).ConfigureAwait(false);
        await encoder.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }
}
