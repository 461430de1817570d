namespace Voice.Audio.Encoding;

/// <summary>
/// Raw G.711 (<see cref="G711"/>): one byte per sample, no header, as telephony carries it; what a chunk writes is
/// complete, so it streams byte for byte. The input arrives at the law's 8 kHz (<see cref="AudioFormats.CreateEncoder"/>).
/// </summary>
internal sealed class G711Encoder(Stream output, bool muLaw) : IAudioEncoder
{
    public async Task WriteAsync(ReadOnlyMemory<float> samples, CancellationToken cancellationToken)
    {
        var codes = new byte[samples.Length];
        var span = samples.Span;
        for (int i = 0; i < span.Length; i++)
        {
            short sample = Pcm16.ToShort(span[i]);
            codes[i] = muLaw ? G711.MuLaw(sample) : G711.ALaw(sample);
        }
        await output.WriteAsync(codes, cancellationToken).ConfigureAwait(false);
    }

    public Task CompleteAsync(CancellationToken cancellationToken) => output.FlushAsync(cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
