using Voice.Audio.Resampling;

namespace Voice.Audio.Encoding;

/// <summary>
/// Takes the platform's 24 kHz audio and hands it to an encoder working at another rate, resampled as it streams
/// (<see cref="PolyphaseResampler"/>: band-limited, zero delay, so the duration is kept).
/// </summary>
internal sealed class ResamplingEncoder(IAudioEncoder inner, int outputRate) : IAudioEncoder
{
    private readonly PolyphaseResampler _resampler = new(AudioFormat.PlatformSampleRate, outputRate);
    private readonly List<float> _resampled = [];

    public async Task WriteAsync(ReadOnlyMemory<float> samples, CancellationToken cancellationToken)
    {
        _resampler.Process(samples.Span, _resampled);
        await PassOnAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        _resampler.Flush(_resampled);
        await PassOnAsync(cancellationToken).ConfigureAwait(false);
        await inner.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task PassOnAsync(CancellationToken cancellationToken)
    {
        if (_resampled.Count > 0)
        {
            float[] block = [.. _resampled];
            _resampled.Clear();
            await inner.WriteAsync(block, cancellationToken).ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
