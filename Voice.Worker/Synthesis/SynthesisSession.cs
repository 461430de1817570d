using System.Diagnostics;
using Voice.Audio;
using Voice.Audio.Processing;
using Voice.Audio.Resampling;
using Voice.Core.Jobs;
using Voice.Speech.Engines;
using Voice.Worker.Claiming;

namespace Voice.Worker.Synthesis;

/// <summary>
/// One job's synthesis as the engine delivers it: the audio so far at the platform rate, the job's cancellation
/// (a cancel request triggers it), its word timestamps when it asked for them, and its live stream when it streams.
/// A job that names the text before or after it has the silence at that edge trimmed (<see cref="JoinTrimmer"/>).
/// A dialogue's turns follow one another in the same audio (<see cref="BeginTurn"/>), a pause apart.
/// </summary>
public sealed class SynthesisSession(ReadyJob ready, JobEvents events, LiveStream? live) : IDisposable
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    private readonly List<float> _samples = [];
    private readonly List<WordTimestamp> _earlierTurnsWords = [];
    private readonly List<int> _turnStartsMs = [];
    private WordTimestampCollector? _words = ready.Job.Spec.WordTimestamps ? new WordTimestampCollector(ready.Job.Spec.Text, ready.Rewrites) : null;
    private readonly JoinTrimmer? _trimmer = Trimmer(ready.Job.Spec);
    private PolyphaseResampler? _resampler;
    private long _lastProgress;
    private int _turn;

    public ReadyJob Ready { get; } = ready;

    public ClaimedJob Job => Ready.Job;

    public CancellationTokenSource Cancel { get; } = new();

    public bool IsCanceled => Cancel.IsCancellationRequested;

    public int SampleCount => _samples.Count;

    /// <summary>The job's word timestamps, when it asked for them.</summary>
    public IReadOnlyList<WordTimestamp>? Words => _words is null ? null : [.. _earlierTurnsWords, .. _words.Words];

    /// <summary>When each of a dialogue's turns starts in the audio (null for other jobs).</summary>
    public IReadOnlyList<int>? TurnStartsMs => Ready.Turns is null ? null : _turnStartsMs;

    /// <summary>
    /// Starts a dialogue's turn <paramref name="index"/>: the audio so far is completed (the resampler flushed), a pause
    /// follows the previous turn, and the turn's words are timed from here. Returns what the engine speaks for it.
    /// </summary>
    public SynthesisRequest BeginTurn(int index)
    {
        var turn = Ready.Turns![index];
        _resampler?.Flush(_samples);
        _resampler = null;
        if (index > 0)
        {
            _samples.AddRange(new float[(int)((long)Job.Spec.Dialogue!.PauseMs * AudioFormat.PlatformSampleRate / 1000)]);
        }
        int startMs = (int)(_samples.Count * 1000L / AudioFormat.PlatformSampleRate);
        _turnStartsMs.Add(startMs);
        if (_words is not null)
        {
            _earlierTurnsWords.AddRange(_words.Words);
            _words = new WordTimestampCollector(turn.Text, turn.Rewrites, WordTimestamps.CodePointIndexes(Job.Spec.Text)[turn.Start], startMs);
        }
        _turn = index;
        return turn.Request;
    }

    /// <summary>Whether someone listens as the job is spoken.</summary>
    public bool IsLive => live is not null;

    /// <summary>Waits until the listener has room for more (<see cref="LiveStream.WaitForRoomAsync"/>); at once for a job nobody listens to.</summary>
    public Task<bool> WaitForListenerAsync(int ahead, TimeSpan poll, TimeSpan stall, CancellationToken cancellationToken) =>
        live?.WaitForRoomAsync(ahead, poll, stall, cancellationToken) ?? Task.FromResult(true);

    /// <summary>What the listener heard, when it heard all of it: the stored result is then exactly that.</summary>
    public MemoryStream? StreamedResult => live?.Result;

    public async Task AcceptAsync(PcmChunk chunk)
    {
        int before = _samples.Count;
        if (chunk.SampleRate == AudioFormat.PlatformSampleRate)
        {
            _samples.AddRange(chunk.Samples.Span);
        }
        else
        {
            _resampler ??= new PolyphaseResampler(chunk.SampleRate, AudioFormat.PlatformSampleRate);
            _resampler.Process(chunk.Samples.Span, _samples);
        }
        _trimmer?.Accept(_samples, before);
        double trimmed = (_trimmer?.TrimmedAtStart ?? 0) / (double)AudioFormat.PlatformSampleRate;
        var words = chunk.Words is { Count: > 0 } timings && _words is { } collector ? collector.Add(timings, trimmed) : [];
        if (live is not null)
        {
            await live.WriteAsync(_samples, _trimmer?.Ready(_samples.Count) ?? _samples.Count, final: false).ConfigureAwait(false);
            if (words.Count > 0 && !live.IsBroken)
            {
                await live.PublishWordsAsync(words).ConfigureAwait(false);
            }
        }
        long now = Stopwatch.GetTimestamp();
        if (chunk.Progress > 0 && chunk.Progress < 1 && Stopwatch.GetElapsedTime(_lastProgress, now) >= ProgressInterval)
        {
            _lastProgress = now;
            double progress = Ready.Turns is { Count: var turns } ? (_turn + chunk.Progress) / turns : chunk.Progress;
            await events.ReportProgressAsync(Job.Id, progress).ConfigureAwait(false);
        }
    }

    /// <summary>The engine is done: flushes the resampler and completes the live stream.</summary>
    public async Task FinishAsync()
    {
        int before = _samples.Count;
        _resampler?.Flush(_samples);
        if (_trimmer is not null)
        {
            _trimmer.Accept(_samples, before);
            _trimmer.Finish(_samples);
        }
        if (live is not null && !IsCanceled)
        {
            await live.WriteAsync(_samples, _samples.Count, final: true).ConfigureAwait(false);
        }
    }

    /// <summary>The audio as one array; the session lets go of its own copy (twice the audio at worst).</summary>
    public float[] TakeSamples()
    {
        float[] samples = _samples.ToArray();
        _samples.Clear();
        _samples.Capacity = 0;
        return samples;
    }

    /// <summary>The edges that join other audio (those whose side names some text) are trimmed; none, no trimmer.</summary>
    private static JoinTrimmer? Trimmer(JobSpec spec)
    {
        bool start = !string.IsNullOrWhiteSpace(spec.PreviousText), end = !string.IsNullOrWhiteSpace(spec.NextText);
        return start || end ? new JoinTrimmer(start, end, AudioFormat.PlatformSampleRate) : null;
    }

    public void Dispose()
    {
        Cancel.Dispose();
        live?.Dispose();
    }
}
