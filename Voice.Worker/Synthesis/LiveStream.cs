using System.Runtime.InteropServices;
using Voice.Audio;
using Voice.Audio.Encoding;
using Voice.Core.Jobs;
using Voice.Speech.Engines;

namespace Voice.Worker.Synthesis;

/// <summary>
/// A streaming job's live audio: its new samples encoded in the job's format and published as they come; the
/// final write flushes the encoder. The stream is not loudness-normalised (that needs the whole text); what was
/// streamed becomes the stored result too, encoded once. A publish that fails only costs the listener its live
/// audio: the job goes on, and its result is encoded afresh.
/// </summary>
public sealed partial class LiveStream(ClaimedJob job, ISpeechEngine engine, SpeechStreams streams, ILogger logger) : IDisposable
{
    private IAudioEncoder? _encoder;
    private ChunkBuffer? _buffer;
    private int _streamed;
    private MemoryStream? _published;
    private bool _complete;

    /// <summary>Some audio or words did not reach the listener.</summary>
    public bool IsBroken { get; private set; }

    /// <summary>Everything the listener heard, when the encoder completed and nothing was lost: then it is the result.</summary>
    public MemoryStream? Result => _complete && !IsBroken ? _published : null;

    /// <summary>Encodes and publishes the samples not streamed yet, up to <paramref name="ready"/>; <paramref name="final"/> completes the encoder.</summary>
    public async Task WriteAsync(List<float> samples, int ready, bool final)
    {
        try
        {
            if (_encoder is null)
            {
                _buffer = new ChunkBuffer();
                var metadata = new AudioMetadata(engine.Name, engine.Model, job.Spec.Voice, job.Id.ToString(), DateTimeOffset.UtcNow, null);
                _encoder = AudioFormats.CreateEncoder(job.Spec.Format, _buffer, metadata, job.Spec.SampleRate ?? AudioFormat.PlatformSampleRate);
            }
            int count = ready - _streamed;
            if (count > 0)
            {
                await _encoder.WriteAsync(CollectionsMarshal.AsSpan(samples).Slice(_streamed, count).ToArray(), CancellationToken.None).ConfigureAwait(false);
                _streamed += count;
            }
            if (final)
            {
                await _encoder.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
            }
            if (_buffer!.Drain() is { Length: > 0 } encoded)
            {
                _published ??= new MemoryStream();
                _published.Write(encoded);
                await streams.PublishAudioAsync(job.Id, job.Epoch, encoded).ConfigureAwait(false);
            }
            _complete = final;
        }
        catch (Exception ex) when (RedisFaults.IsTransient(ex) || ex is IOException or InvalidOperationException)
        {
            IsBroken = true; // the stored result is then encoded afresh from the samples
            LogStreamFailed(logger, job.Id, ex);
        }
    }

    /// <summary>Publishes word timestamps after the audio that speaks them.</summary>
    public async Task PublishWordsAsync(IReadOnlyList<WordTimestamp> words)
    {
        try
        {
            await streams.PublishWordsAsync(job.Id, job.Epoch, words).ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisFaults.IsTransient(ex))
        {
            LogStreamFailed(logger, job.Id, ex); // the stored result still has them all
        }
    }

    public void Dispose()
    {
        _published?.Dispose();
        _ = _encoder?.DisposeAsync().AsTask();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live audio of job {JobId} could not be published; the job goes on")]
    private static partial void LogStreamFailed(ILogger logger, Guid jobId, Exception exception);
}
