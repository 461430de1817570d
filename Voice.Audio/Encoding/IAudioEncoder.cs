namespace Voice.Audio.Encoding;

/// <summary>
/// Encodes mono float audio (24 kHz, or the encoder's own rate behind a <see cref="ResamplingEncoder"/>), chunk by chunk, into an output stream. Output is written as it is
/// produced (a stream can be sent while synthesis goes on); <see cref="CompleteAsync"/> writes the end and, when
/// the output can seek, fixes up what the header could not know (sizes, totals).
/// </summary>
public interface IAudioEncoder : IAsyncDisposable
{
    Task WriteAsync(ReadOnlyMemory<float> samples, CancellationToken cancellationToken);

    Task CompleteAsync(CancellationToken cancellationToken);
}

/// <summary>The format cannot be produced on this machine (e.g. AAC without ffmpeg).</summary>
public sealed class AudioFormatUnavailableException(string format, string reason) : Exception($"The '{format}' format is not available here: {reason}")
{
    public string Format { get; } = format;
}
