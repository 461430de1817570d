using System.Diagnostics;
using System.Threading.Channels;
using Voice.ApiService.Model;
using Voice.ApiService.Services;
using Voice.ApiService.Submissions;
using Voice.Core.Jobs;

namespace Voice.ApiService.Realtime;

/// <summary>
/// One context of a speech socket: its own voice and settings, its text as it arrives, and its audio in order. Each
/// piece of text the segmenter lets go becomes a live speech job — admitted, queued, spoken and billed like any other
/// — submitted as soon as it is complete (so the next sentence is synthesised while this one plays), and relayed in
/// order. At most <see cref="MaxAhead"/> jobs run ahead of the one being relayed and <see cref="MaxPending"/> pieces
/// wait for their turn; more text waits in the socket (backpressure). So a client that stops reading stops the
/// speaking too: nothing piles up in the server but what these bounds allow.
/// </summary>
public sealed partial class SocketContext
{
    public const int MaxPending = 16;
    public const int MaxAhead = 4;

    private readonly SpeechSocketSession _session;
    private readonly Channel<(TextPiece Piece, long Ready)> _pieces = Channel.CreateBounded<(TextPiece, long)>(MaxPending);
    private readonly Channel<(TextPiece Piece, Guid TaskId, long Ready)> _queued = Channel.CreateBounded<(TextPiece, Guid, long)>(MaxAhead);
    private readonly CancellationTokenSource _stop;
    private readonly HashSet<Guid> _open = []; // submitted, not yet ended: canceled with the context
    private readonly Task _submitting, _relaying;
    private int _characters, _tasks, _sequence, _unspoken;
    private long _audioMs;

    public SocketContext(SpeechSocketSession session, string id, SocketSettings settings, CancellationToken sessionEnd)
    {
        _session = session;
        Id = id;
        Settings = settings;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(sessionEnd);
        _submitting = Task.Run(SubmitLoopAsync);
        _relaying = Task.Run(RelayLoopAsync);
    }

    public string Id { get; }

    public SocketSettings Settings { get; }

    public TextSegmenter Text { get; } = new();

    /// <summary>When text last arrived (for the idle flush).</summary>
    public long LastTextAt { get; private set; } = Stopwatch.GetTimestamp();

    /// <summary>Whether the client closed it (its remaining text is flushed; no more may come).</summary>
    public bool Closing { get; private set; }

    public SocketUsage Usage => new(_characters, _audioMs / 1000.0, _tasks);

    /// <summary>Whether text it took is still being spoken or sent: the client may be listening without a word to say.</summary>
    public bool Speaking => Volatile.Read(ref _unspoken) > 0 && !_stop.IsCancellationRequested;

    /// <summary>Adds text and queues every piece that is now complete (waits while <see cref="MaxPending"/> pieces wait).</summary>
    public async Task AppendAsync(string text, CancellationToken cancellationToken)
    {
        Text.Append(text);
        LastTextAt = Stopwatch.GetTimestamp();
        foreach (var piece in Text.TakeComplete())
        {
            await QueueAsync(piece, cancellationToken);
        }
    }

    /// <summary>Queues whatever is buffered now (a flush, an idle pause).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (Text.TakeAll() is { } rest)
        {
            await QueueAsync(rest, cancellationToken);
        }
    }

    /// <summary>Waits for room among the pending pieces; a context that already ended (refused, failed, canceled) drops the text.</summary>
    private async Task QueueAsync(TextPiece piece, CancellationToken cancellationToken)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        try
        {
            await _pieces.Writer.WriteAsync((piece, Stopwatch.GetTimestamp()), either.Token);
            Interlocked.Increment(ref _unspoken);
        }
        catch (Exception ex) when (ex is ChannelClosedException || (ex is OperationCanceledException && _stop.IsCancellationRequested && !cancellationToken.IsCancellationRequested))
        {
        }
    }

    /// <summary>No more text: the rest is spoken, then <c>done</c> is sent and the context ends.</summary>
    public async Task CloseAsync(CancellationToken cancellationToken)
    {
        Closing = true;
        await FlushAsync(cancellationToken);
        _pieces.Writer.TryComplete();
    }

    /// <summary>Stops at once: nothing more is submitted or sent, and its queued and running jobs are canceled (not billed).</summary>
    public async Task CancelAsync()
    {
        _pieces.Writer.TryComplete();
        await _stop.CancelAsync();
        await _relaying.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Ends when all its pieces were spoken and sent (after a close), or it was canceled.</summary>
    public Task Completion => _relaying;

    private async Task SubmitLoopAsync()
    {
        try
        {
            await foreach (var (piece, ready) in _pieces.Reader.ReadAllAsync(_stop.Token))
            {
                if (await _session.SubmitAsync(this, piece, _stop.Token) is not { } taskId)
                {
                    await _stop.CancelAsync(); // refused: the context ends with the error the session sent
                    return;
                }
                lock (_open)
                {
                    _open.Add(taskId);
                }
                await _queued.Writer.WriteAsync((piece, taskId, ready), _stop.Token);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        finally
        {
            _queued.Writer.TryComplete();
        }
    }

    private async Task RelayLoopAsync()
    {
        try
        {
            await foreach (var (piece, taskId, ready) in _queued.Reader.ReadAllAsync(_stop.Token))
            {
                var spoken = await RelayAsync(piece, taskId, ready);
                Interlocked.Decrement(ref _unspoken);
                lock (_open)
                {
                    _open.Remove(taskId);
                }
                if (spoken is null)
                {
                    await _stop.CancelAsync(); // the piece failed: its context cannot go on with a hole in its audio
                    return;
                }
                _characters += piece.Text.EnumerateRunes().Count();
                _audioMs += spoken.Value;
                _tasks++;
            }
            if (Closing && !_stop.IsCancellationRequested)
            {
                await _session.Writer.EndedAsync("done", Id, Usage, _stop.Token);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        finally
        {
            await _submitting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (_stop.IsCancellationRequested)
            {
                await CancelOpenJobsAsync();
            }
            _session.Forget(this);
        }
    }

    /// <summary>The jobs of a context that stopped early: nobody will hear them, so they stop too.</summary>
    private async Task CancelOpenJobsAsync()
    {
        Guid[] open;
        lock (_open)
        {
            open = [.. _open];
            _open.Clear();
        }
        foreach (var taskId in open)
        {
            await _session.CancelJobAsync(taskId);
        }
    }

    /// <summary>Sends one piece's audio and words as the worker makes them; its audio's length once spoken, or null when it failed.</summary>
    private async Task<long?> RelayAsync(TextPiece piece, Guid taskId, long ready)
    {
        int? epoch = null;
        bool sent = false;
        await foreach (var entry in _session.Feed.ReadAsync(_session.Caller.TenantId, taskId, _stop.Token))
        {
            if (entry.Kind == SpeechFeed.Vanished || (epoch is not null && epoch != entry.Epoch && sent))
            {
                // Ended without its stream, or retried after audio went out (a retry starts over): the audio has a hole.
                await _session.Writer.ErrorAsync(Id, 500, "interrupted", "The speech of this text was interrupted; the context ends.", _stop.Token, taskId);
                return null;
            }
            epoch = entry.Epoch;
            if (entry.IsEnd)
            {
                var job = await _session.Jobs.GetAsync(_session.Caller.TenantId, taskId, CancellationToken.None);
                if (job is { Status: JobStatus.Completed, Result: { } result })
                {
                    if (!sent && await _session.StoredAudioAsync(result, _stop.Token) is { } stored)
                    {
                        await _session.Writer.AudioAsync(Id, _sequence++, stored, Settings.Binary, _stop.Token); // its stream carried no audio
                    }
                    return result.DurationMs;
                }
                await _session.Writer.ErrorAsync(Id, 500, "failed", $"The speech job ended {job?.Status ?? "missing"}.", _stop.Token, taskId);
                return null;
            }
            if (entry.Kind == SpeechStreamEntry.WordsKind)
            {
                await _session.Writer.AlignmentAsync(Id, piece.Text, WordTimestamps.FromJson(entry.Words!), piece.Start, _audioMs, _stop.Token);
                continue;
            }
            if (!sent)
            {
                ApiMetrics.SocketFirstAudio.Record(Stopwatch.GetElapsedTime(ready).TotalSeconds);
                sent = true;
            }
            await _session.Writer.AudioAsync(Id, _sequence++, entry.Audio, Settings.Binary, _stop.Token);
        }
        return null;
    }
}
