using System.Runtime.InteropServices;
using Voice.Audio;
using Voice.Audio.Encoding;
using Voice.Core.Jobs;
using StackExchange.Redis;
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
    private readonly Queue<EntryId> _unread = new(); // audio entries published that the listener has not taken yet

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
                _unread.Enqueue(EntryId.Parse(await streams.PublishAudioAsync(job.Id, job.Epoch, encoded).ConfigureAwait(false)));
            }
            _complete = final;
        }
        catch (Exception ex) when (RedisFaults.IsTransient(ex) || ex is IOException or InvalidOperationException)
        {
            IsBroken = true; // the stored result is then encoded afresh from the samples
            LogStreamFailed(logger, job.Id, ex);
        }
    }

    /// <summary>
    /// Waits while the listener has <paramref name="ahead"/> or more published audio entries still to take, looking at
    /// its read mark every <paramref name="poll"/>; false when it did not read for <paramref name="stall"/> (then the
    /// job goes on regardless, to its result) or the stream is broken.
    /// </summary>
    public async Task<bool> WaitForRoomAsync(int ahead, TimeSpan poll, TimeSpan stall, CancellationToken cancellationToken)
    {
        long since = System.Diagnostics.Stopwatch.GetTimestamp();
        while (!IsBroken && _unread.Count >= ahead)
        {
            try
            {
                var mark = EntryId.Parse(await streams.ReadMarkAsync(job.Id).ConfigureAwait(false));
                int before = _unread.Count;
                while (_unread.Count > 0 && _unread.Peek().CompareTo(mark) <= 0)
                {
                    _unread.Dequeue();
                }
                if (_unread.Count < ahead)
                {
                    break;
                }
                if (_unread.Count < before)
                {
                    since = System.Diagnostics.Stopwatch.GetTimestamp();
                }
            }
            catch (Exception ex) when (RedisFaults.IsTransient(ex))
            {
                LogStreamFailed(logger, job.Id, ex);
                return false;
            }
            if (System.Diagnostics.Stopwatch.GetElapsedTime(since) >= stall)
            {
                LogListenerStalled(logger, job.Id, stall);
                _unread.Clear();
                return false;
            }
            await Task.Delay(poll, cancellationToken).ConfigureAwait(false);
        }
        return true;
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

    [LoggerMessage(Level = LogLevel.Information, Message = "The listener of job {JobId} took nothing for {Stall}; the job speaks the rest regardless")]
    private static partial void LogListenerStalled(ILogger logger, Guid jobId, TimeSpan stall);

    /// <summary>A Redis stream entry id (milliseconds-sequence), ordered; none: before every entry.</summary>
    private readonly record struct EntryId(long Milliseconds, long Sequence) : IComparable<EntryId>
    {
        public static EntryId Parse(RedisValue id)
        {
            string? text = id;
            int dash = text is null ? -1 : text.IndexOf('-');
            return text is not null && dash > 0 && long.TryParse(text.AsSpan(0, dash), out long ms) && long.TryParse(text.AsSpan(dash + 1), out long seq)
                ? new EntryId(ms, seq)
                : new EntryId(-1, -1);
        }

        public int CompareTo(EntryId other) => Milliseconds != other.Milliseconds ? Milliseconds.CompareTo(other.Milliseconds) : Sequence.CompareTo(other.Sequence);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live audio of job {JobId} could not be published; the job goes on")]
    private static partial void LogStreamFailed(ILogger logger, Guid jobId, Exception exception);
}
