using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Voice.Audio;
using Voice.Audio.Encoding;
using Voice.Audio.Processing;
using Voice.Audio.Resampling;
using Voice.Core.Jobs;
using Voice.Core.Lexicons;
using Voice.Core.Storage;
using Voice.Core.Voices;
using Voice.Speech.Engines;
using Voice.Worker.Hosting;
using Voice.Worker.Queue;
using Voice.Worker.Synthesis;
using Voice.Worker.Voices;

namespace Voice.Worker.Jobs;

/// <summary>
/// Runs delivered jobs: claims each in the ledger (a new epoch), synthesises compatible ones together as one
/// batch, brings the audio to 24 kHz, encodes and stores it, commits the result, acknowledges the entry.
/// An entry is acknowledged only once the ledger says its job is settled, so a crash at any point leaves it
/// pending for another worker; the epoch keeps a superseded attempt from committing anything.
/// </summary>
public sealed partial class JobRunner(
    JobStore jobs,
    JobQueue queue,
    JobEvents events,
    SpeechStreams streams,
    BlobStore blobs,
    ISpeechEngine engine,
    VoicePrompts voices,
    VoiceStore voiceProfiles,
    LexiconStore lexicons,
    CancellationSignals cancellations,
    WorkerTelemetry telemetry,
    IOptions<WorkerOptions> options,
    ILogger<JobRunner> logger)
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    private sealed class Work(QueueEntry entry, ClaimedJob job, SynthesisRequest request, VoiceProfile? voice, WordTimestampCollector? words) : IDisposable
    {
        public QueueEntry Entry { get; } = entry;
        public ClaimedJob Job { get; } = job;
        public SynthesisRequest Request { get; } = request;
        public VoiceProfile? Voice { get; } = voice;

        /// <summary>The job's word timestamps so far, when it asked for them.</summary>
        public WordTimestampCollector? Words { get; } = words;
        public CancellationTokenSource Cancel { get; } = new();
        public List<float> Samples { get; } = [];
        public PolyphaseResampler? Resampler { get; set; }
        public long LastProgress { get; set; }
        public Exception? Error { get; set; }

        /// <summary>A streaming job's live encoder (over <see cref="StreamBuffer"/>) and how many samples it has had.</summary>
        public IAudioEncoder? StreamEncoder { get; set; }
        public ChunkBuffer? StreamBuffer { get; set; }
        public int Streamed { get; set; }

        /// <summary>Everything the stream published, and whether its encoder completed (then it is the result).</summary>
        public MemoryStream? StreamedAudio { get; set; }
        public bool StreamComplete { get; set; }
        public bool StreamBroken { get; set; }

        public void Dispose()
        {
            Cancel.Dispose();
            StreamedAudio?.Dispose();
            _ = StreamEncoder?.DisposeAsync().AsTask();
        }
    }

    public async Task RunAsync(IReadOnlyList<QueueEntry> entries, string consumer, CancellationToken hardStop)
    {
        var outcomes = await jobs.ClaimManyAsync(entries, options.Value.MaxAttempts, CancellationToken.None).ConfigureAwait(false);
        var claimed = new List<Work>();
        var settled = new List<QueueEntry>();
        foreach (var outcome in outcomes)
        {
            string result;
            if (outcome.Job is { } job)
            {
                telemetry.QueueWait.Record(Math.Max(0, (DateTimeOffset.UtcNow - job.CreatedAt).TotalSeconds), new KeyValuePair<string, object?>("kind", job.Spec.Kind));
                result = job.Spec.Kind == JobKinds.Voice
                    ? await PrepareVoiceAsync(outcome.Entry, job, consumer, hardStop).ConfigureAwait(false)
                    : await ResolveVoiceAsync(outcome.Entry, job, consumer, claimed, hardStop).ConfigureAwait(false);
                if (result == JobStatus.Running)
                {
                    continue; // synthesised below, with its batch
                }
            }
            else
            {
                if (outcome.Result == ClaimResult.Exhausted)
                {
                    LogExhausted(logger, outcome.Entry.JobId, outcome.Entry.TenantId);
                    await queue.DeadLetterAsync(outcome.Entry, options.Value.MaxAttempts, "attempts exhausted (the worker running it stopped or failed each time)").ConfigureAwait(false);
                }
                result = outcome.Result.ToString().ToLowerInvariant(); // finished, canceled or failed already: nothing to run
            }
            if (result is not ("released" or "retrying"))
            {
                settled.Add(outcome.Entry);
            }
            telemetry.JobsProcessed.Add(1, new KeyValuePair<string, object?>("outcome", result));
        }
        await queue.AcknowledgeManyAsync(settled).ConfigureAwait(false);
        foreach (var batch in claimed.GroupBy(w => engine.BatchKey(w.Request)).SelectMany(g => g.Chunk(Math.Max(1, engine.Capabilities.MaxBatchSize))))
        {
            await RunBatchAsync(batch, consumer, hardStop).ConfigureAwait(false);
        }
    }

    /// <summary>Runs a voice profile's preparation job: the engine computes the prompt and the profile becomes ready.</summary>
    private async Task<string> PrepareVoiceAsync(QueueEntry entry, ClaimedJob job, string consumer, CancellationToken hardStop)
    {
        using var activity = WorkerTelemetry.Source.StartActivity("voice.job", ActivityKind.Consumer, entry.TraceParent);
        activity?.SetTag("voice.task_id", job.Id);
        activity?.SetTag("voice.tenant_id", job.TenantId);
        try
        {
            if (!Guid.TryParse(job.Spec.Voice, out var id) || await voiceProfiles.GetAsync(job.TenantId, id, hardStop).ConfigureAwait(false) is not { } profile)
            {
                await jobs.FailAsync(job, Problem("voice-not-found", "The voice profile was deleted before it was prepared."), CancellationToken.None).ConfigureAwait(false);
                return JobStatus.Failed;
            }
            await voices.PrepareAsync(profile, hardStop).ConfigureAwait(false);
            await jobs.CompleteWithoutResultAsync(job, CancellationToken.None).ConfigureAwait(false);
            return JobStatus.Completed;
        }
        catch (VoiceUnavailableException ex)
        {
            await jobs.FailAsync(job, Problem(ex.ProblemType, ex.Message), CancellationToken.None).ConfigureAwait(false);
            return JobStatus.Failed;
        }
        catch (Exception ex)
        {
            return await RetryOrFailAsync(entry, job, ex, consumer, hardStop).ConfigureAwait(false);
        }
    }

    /// <summary>Finds (or prepares) a speech job's voice and queues the job for synthesis; Running when it was queued.</summary>
    private async Task<string> ResolveVoiceAsync(QueueEntry entry, ClaimedJob job, string consumer, List<Work> claimed, CancellationToken hardStop)
    {
        try
        {
            var (prompt, profile) = await voices.ResolveAsync(job.TenantId, job.Spec.Voice, job.Spec.Language, hardStop).ConfigureAwait(false);
            // The tenant's pronunciation rules rewrite the text the engine reads (not the text that was billed).
            var (text, rewrites) = Lexicon.ApplyMapped(job.Spec.Text, job.Spec.Language, await lexicons.ForSynthesisAsync(job.TenantId, hardStop).ConfigureAwait(false));
            var words = job.Spec.WordTimestamps ? new WordTimestampCollector(job.Spec.Text, rewrites) : null;
            claimed.Add(new Work(entry, job, new SynthesisRequest(text, job.Spec.Language, prompt, job.Spec.Speed), profile, words));
            return JobStatus.Running;
        }
        catch (VoiceUnavailableException ex)
        {
            await jobs.FailAsync(job, Problem(ex.ProblemType, ex.Message), CancellationToken.None).ConfigureAwait(false);
            return JobStatus.Failed;
        }
        catch (Exception ex)
        {
            return await RetryOrFailAsync(entry, job, ex, consumer, hardStop).ConfigureAwait(false);
        }
    }

    private async Task RunBatchAsync(Work[] batch, string consumer, CancellationToken hardStop)
    {
        var started = Stopwatch.GetTimestamp();
        using var activity = WorkerTelemetry.Source.StartActivity(batch.Length == 1 ? "job.process" : "job.batch", ActivityKind.Consumer,
            batch[0].Entry.TraceParent, links: batch.Skip(1).Select(w => new ActivityLink(w.Entry.TraceParent)));
        activity?.SetTag("voice.task_id", batch[0].Job.Id);
        activity?.SetTag("voice.tenant_id", batch[0].Job.TenantId);
        activity?.SetTag("voice.batch_size", batch.Length);
        activity?.SetTag("voice.engine", engine.Name);
        activity?.SetTag("voice.model", engine.Model);
        activity?.SetTag("voice.language", batch[0].Job.Spec.Language);
        activity?.SetTag("voice.voice_mode", batch[0].Request.Voice.Mode.ToString().ToLowerInvariant());
        activity?.SetTag("voice.characters", batch.Sum(w => JobAdmission.Characters(w.Job.Spec.Text)));
        activity?.SetTag("voice.queue_wait_ms", (long)Math.Max(0, (DateTimeOffset.UtcNow - batch[0].Job.CreatedAt).TotalMilliseconds));
        activity?.SetTag("voice.stream", batch[0].Job.Spec.Stream);

        var registrations = batch.Select(w => cancellations.Register(w.Job.Id, w.Cancel)).ToList();
        using var heartbeat = new Timer(_ => _ = HeartbeatAsync(batch, consumer), null, queue.VisibilityTimeout / 3, queue.VisibilityTimeout / 3);
        try
        {
            await SynthesizeAsync(batch, hardStop).ConfigureAwait(false);
            activity?.SetTag("voice.audio_seconds", batch.Sum(w => w.Samples.Count) / (double)AudioFormat.PlatformSampleRate);
            await SettleAsync(batch, consumer, hardStop, started).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Ledger or Redis trouble while settling: the entries stay pending; they are reclaimed and retried.
            LogSettleFailed(logger, batch[0].Job.Id, ex);
            telemetry.JobsProcessed.Add(batch.Length, new KeyValuePair<string, object?>("outcome", "unsettled"));
        }
        finally
        {
            registrations.ForEach(r => r.Dispose());
            foreach (var work in batch)
            {
                work.Dispose();
            }
        }
    }

    private async Task SynthesizeAsync(Work[] batch, CancellationToken hardStop)
    {
        using var span = WorkerTelemetry.Source.StartActivity("speech.synthesize");
        span?.SetTag("voice.engine", engine.Name);
        span?.SetTag("voice.model", engine.Model);
        span?.SetTag("voice.characters", batch.Sum(w => w.Job.Spec.Text.Length));
        var started = Stopwatch.GetTimestamp();
        try
        {
            if (batch.Length == 1)
            {
                var work = batch[0];
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(hardStop, work.Cancel.Token);
                bool first = true;
                await foreach (var chunk in engine.SynthesizeAsync(work.Request, linked.Token).ConfigureAwait(false))
                {
                    if (first)
                    {
                        first = false;
                        telemetry.FirstChunk.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("engine", engine.Name));
                    }
                    await AcceptAsync(work, chunk).ConfigureAwait(false);
                }
            }
            else
            {
                // One forward pass for all; a job canceled meanwhile just stops collecting its chunks.
                await foreach (var (index, chunk) in engine.SynthesizeBatchAsync([.. batch.Select(w => w.Request)], hardStop).ConfigureAwait(false))
                {
                    if (!batch[index].Cancel.IsCancellationRequested)
                    {
                        await AcceptAsync(batch[index], chunk).ConfigureAwait(false);
                    }
                }
            }
            foreach (var work in batch)
            {
                work.Resampler?.Flush(work.Samples);
                if (work.Job.Spec.Stream && !work.Cancel.IsCancellationRequested)
                {
                    await StreamAsync(work, final: true).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex)
        {
            foreach (var work in batch)
            {
                work.Error = ex;
            }
        }
        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        double audio = batch.Sum(w => w.Samples.Count) / (double)AudioFormat.PlatformSampleRate;
        if (audio > 0)
        {
            telemetry.RealTimeFactor.Record(seconds / audio, new KeyValuePair<string, object?>("engine", engine.Name));
        }
    }

    private async Task AcceptAsync(Work work, PcmChunk chunk)
    {
        if (chunk.SampleRate == AudioFormat.PlatformSampleRate)
        {
            work.Samples.AddRange(chunk.Samples.Span);
        }
        else
        {
            work.Resampler ??= new PolyphaseResampler(chunk.SampleRate, AudioFormat.PlatformSampleRate);
            work.Resampler.Process(chunk.Samples.Span, work.Samples);
        }
        var words = chunk.Words is { Count: > 0 } timings && work.Words is { } collector ? collector.Add(timings) : [];
        if (work.Job.Spec.Stream)
        {
            await StreamAsync(work, final: false).ConfigureAwait(false);
            if (words.Count > 0 && !work.StreamBroken)
            {
                await PublishWordsAsync(work, words).ConfigureAwait(false);
            }
        }
        long now = Stopwatch.GetTimestamp();
        if (chunk.Progress > 0 && chunk.Progress < 1 && Stopwatch.GetElapsedTime(work.LastProgress, now) >= ProgressInterval)
        {
            work.LastProgress = now;
            await events.ReportProgressAsync(work.Job.Id, chunk.Progress).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Encodes a streaming job's new samples in its format and publishes what the encoder produced; the final
    /// call flushes the encoder. The stream is not loudness-normalised (that needs the whole text); what was
    /// streamed becomes the stored result too, encoded once. A publish that fails only costs the listener its
    /// live audio: the job goes on, and its result is encoded afresh.
    /// </summary>
    private async Task StreamAsync(Work work, bool final)
    {
        try
        {
            if (work.StreamEncoder is null)
            {
                work.StreamBuffer = new ChunkBuffer();
                var metadata = new AudioMetadata(engine.Name, engine.Model, work.Job.Spec.Voice, work.Job.Id.ToString(), DateTimeOffset.UtcNow, null);
                work.StreamEncoder = AudioFormats.CreateEncoder(work.Job.Spec.Format, work.StreamBuffer, metadata);
            }
            int count = work.Samples.Count - work.Streamed;
            if (count > 0)
            {
                await work.StreamEncoder.WriteAsync(CollectionsMarshal.AsSpan(work.Samples).Slice(work.Streamed, count).ToArray(), CancellationToken.None).ConfigureAwait(false);
                work.Streamed += count;
            }
            if (final)
            {
                await work.StreamEncoder.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
            }
            if (work.StreamBuffer!.Drain() is { Length: > 0 } encoded)
            {
                work.StreamedAudio ??= new MemoryStream();
                work.StreamedAudio.Write(encoded);
                await streams.PublishAudioAsync(work.Job.Id, work.Job.Epoch, encoded).ConfigureAwait(false);
            }
            work.StreamComplete = final;
        }
        catch (Exception ex) when (RedisFaults.IsTransient(ex) || ex is IOException or InvalidOperationException)
        {
            work.StreamBroken = true; // the stored result is then encoded afresh from the samples
            LogStreamFailed(logger, work.Job.Id, ex);
        }
    }

    /// <summary>Publishes word timestamps on a streaming job's stream, after the audio that speaks them.</summary>
    private async Task PublishWordsAsync(Work work, IReadOnlyList<WordTimestamp> words)
    {
        try
        {
            await streams.PublishWordsAsync(work.Job.Id, work.Job.Epoch, words).ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisFaults.IsTransient(ex))
        {
            LogStreamFailed(logger, work.Job.Id, ex); // the stored result still has them all
        }
    }

    /// <summary>
    /// Turns each job's synthesis outcome into its settled ledger state — successes committed together —
    /// then acknowledges the settled entries in one call. Entries handed back stay pending.
    /// </summary>
    private async Task SettleAsync(Work[] batch, string consumer, CancellationToken hardStop, long started)
    {
        var outcomes = new Dictionary<Work, string>();
        var stored = new List<(Work Work, Completion Completion)>();
        foreach (var work in batch)
        {
            var job = work.Job;
            if (work.Error is OperationCanceledException && hardStop.IsCancellationRequested && !work.Cancel.IsCancellationRequested)
            {
                // Shutting down: hand the job back without counting the attempt.
                await jobs.ReleaseAsync(job, error: null, CancellationToken.None).ConfigureAwait(false);
                await queue.ReleaseAsync(work.Entry, consumer).ConfigureAwait(false);
                LogReleased(logger, job.Id);
                outcomes[work] = "released";
            }
            else if (work.Cancel.IsCancellationRequested)
            {
                await jobs.MarkCanceledAsync(job, CancellationToken.None).ConfigureAwait(false);
                outcomes[work] = JobStatus.Canceled;
            }
            else if (work.Error is not null)
            {
                outcomes[work] = await HandleFailureAsync(work, consumer).ConfigureAwait(false);
            }
            else if (work.Samples.Count == 0)
            {
                await jobs.FailAsync(job, Problem("synthesis-failed", "The engine produced no audio for this text."), CancellationToken.None).ConfigureAwait(false);
                outcomes[work] = JobStatus.Failed;
            }
            else
            {
                stored.Add((work, await StoreAsync(work, started).ConfigureAwait(false)));
            }
        }

        var committed = await jobs.CompleteManyAsync([.. stored.Select(s => s.Completion)], CancellationToken.None).ConfigureAwait(false);
        foreach (var (work, completion) in stored)
        {
            if (committed.Contains(work.Job.Id))
            {
                LogUsage(logger, work.Job.Id, work.Job.TenantId, engine.Name, JobAdmission.Characters(work.Job.Spec.Text), completion.Result.DurationMs / 1000.0,
                    completion.ComputeMs, work.Job.Spec.Format, TextFingerprint(work.Job.Spec.Text));
                outcomes[work] = JobStatus.Completed;
                continue;
            }
            // Not committed: a cancel request arrived (then it is canceled now) or a newer attempt owns the job.
            await blobs.DeleteAsync(work.Job.TenantId, completion.Result.BlobPath, CancellationToken.None).ConfigureAwait(false);
            outcomes[work] = await jobs.MarkCanceledAsync(work.Job, CancellationToken.None).ConfigureAwait(false) ? JobStatus.Canceled : "superseded";
        }

        // A streaming job's listener hears the end once the ledger has settled it (a retried job's next attempt streams anew).
        foreach (var (work, outcome) in outcomes)
        {
            if (work.Job.Spec.Stream && outcome is not ("released" or "retrying"))
            {
                try
                {
                    await streams.PublishEndAsync(work.Job.Id, work.Job.Epoch, outcome).ConfigureAwait(false);
                }
                catch (Exception ex) when (RedisFaults.IsTransient(ex))
                {
                    LogStreamFailed(logger, work.Job.Id, ex);
                }
            }
        }
        await queue.AcknowledgeManyAsync([.. outcomes.Where(o => o.Value is not ("released" or "retrying")).Select(o => o.Key.Entry)]).ConfigureAwait(false);
        foreach (var (work, outcome) in outcomes)
        {
            if (work.Voice is { Transient: true } transient && outcome is not ("released" or "retrying"))
            {
                await voices.ForgetTransientAsync(transient, CancellationToken.None).ConfigureAwait(false);
            }
        }
        foreach (var outcome in outcomes.Values)
        {
            telemetry.JobsProcessed.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
            telemetry.JobDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    /// <summary>Normalises loudness, encodes in the requested format with the result's tags, and stores it.</summary>
    private async Task<Completion> StoreAsync(Work work, long started)
    {
        var job = work.Job;
        float[] samples = work.Samples.ToArray();
        // The growing list is twice the audio at worst; from here on only the array is read.
        work.Samples.Clear();
        work.Samples.Capacity = 0;
        int durationMs = (int)(samples.Length * 1000L / AudioFormat.PlatformSampleRate);
        using var encoded = new MemoryStream();
        if (work.StreamedAudio is { } streamed && work.StreamComplete && !work.StreamBroken)
        {
            // A streamed job keeps exactly what its listener heard (encoded once, not normalised).
            streamed.Position = 0;
            await streamed.CopyToAsync(encoded).ConfigureAwait(false);
        }
        else
        {
            using var encode = WorkerTelemetry.Source.StartActivity("audio.encode");
            encode?.SetTag("voice.format", job.Spec.Format);
            AudioPreparer.Normalize(samples, AudioFormat.PlatformSampleRate);
            var metadata = new AudioMetadata(engine.Name, engine.Model, job.Spec.Voice, job.Id.ToString(), DateTimeOffset.UtcNow, ContentHash(samples));
            await AudioFormats.EncodeAsync(job.Spec.Format, samples, encoded, metadata, CancellationToken.None).ConfigureAwait(false);
        }
        encoded.Position = 0;
        // One object per epoch: a superseded attempt can never overwrite the audio a newer one committed.
        string path = $"results/{job.Id:N}-{job.Epoch}.{AudioFormats.Extension(job.Spec.Format)}";
        using (WorkerTelemetry.Source.StartActivity("storage.upload"))
        {
            await blobs.UploadAsync(job.TenantId, path, encoded, AudioFormats.ContentType(job.Spec.Format), CancellationToken.None).ConfigureAwait(false);
        }
        return new Completion(job, engine.Name, engine.Model, new JobResult(path, encoded.Length, durationMs, AudioFormat.PlatformSampleRate),
            (int)Stopwatch.GetElapsedTime(started).TotalMilliseconds, work.Words?.Words);
    }

    /// <summary>SHA-256 of the result as 16-bit PCM: identifies the audio whatever container carries it.</summary>
    private static string ContentHash(float[] samples)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var pcm = new byte[32 * 1024]; // in blocks: not a second copy of the whole audio
        for (int offset = 0; offset < samples.Length; offset += pcm.Length / 2)
        {
            int count = Math.Min(pcm.Length / 2, samples.Length - offset);
            Pcm16.FromFloat(samples.AsSpan(offset, count), pcm);
            hash.AppendData(pcm, 0, count * 2);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private Task<string> HandleFailureAsync(Work work, string consumer) => RetryOrFailAsync(work.Entry, work.Job, work.Error!, consumer, CancellationToken.None);

    /// <summary>
    /// A failed attempt: shutting down hands the job back uncounted; a request the engine cannot serve fails
    /// at once; anything else is retried until the attempts run out, then dead-lettered.
    /// </summary>
    private async Task<string> RetryOrFailAsync(QueueEntry entry, ClaimedJob job, Exception ex, string consumer, CancellationToken hardStop)
    {
        if (ex is OperationCanceledException && hardStop.IsCancellationRequested)
        {
            await jobs.ReleaseAsync(job, error: null, CancellationToken.None).ConfigureAwait(false);
            await queue.ReleaseAsync(entry, consumer).ConfigureAwait(false);
            LogReleased(logger, job.Id);
            return "released";
        }
        LogFailed(logger, job.Id, job.TenantId, job.Attempt, ex);
        // A request the engine cannot serve will fail the same way every time: no retry.
        if (ex is ArgumentException or NotSupportedException)
        {
            await jobs.FailAsync(job, Problem("synthesis-failed", ex.Message), CancellationToken.None).ConfigureAwait(false);
            return JobStatus.Failed;
        }
        if (job.Attempt >= options.Value.MaxAttempts)
        {
            await jobs.FailAsync(job, Problem("attempts-exhausted", $"Gave up after {job.Attempt} attempts; the last error was {ex.GetType().Name}."), CancellationToken.None).ConfigureAwait(false);
            await queue.DeadLetterAsync(entry, job.Attempt, $"{ex.GetType().Name}: {ex.Message}").ConfigureAwait(false);
            return JobStatus.Failed;
        }
        await jobs.ReleaseAsync(job, $"{ex.GetType().Name}: {ex.Message}", CancellationToken.None).ConfigureAwait(false);
        await queue.ReleaseAsync(entry, consumer).ConfigureAwait(false);
        return "retrying";
    }

    private async Task HeartbeatAsync(Work[] batch, string consumer)
    {
        foreach (var work in batch)
        {
            try
            {
                await queue.HeartbeatAsync(work.Entry, consumer).ConfigureAwait(false);
            }
            catch (Exception ex) when (RedisFaults.IsTransient(ex))
            {
                LogHeartbeatFailed(logger, work.Job.Id, ex);
            }
        }
    }

    /// <summary>The failure as the client will see it: a problem document without internals.</summary>
    private static string Problem(string type, string detail) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["type"] = $"https://voice.dev/problems/{type}",
        ["title"] = type switch
        {
            "attempts-exhausted" => "The job failed on every attempt.",
            "voice-not-found" => "The voice does not exist.",
            "voice-failed" => "The voice could not be prepared.",
            _ => "Speech synthesis failed.",
        },
        ["status"] = type is "voice-not-found" or "voice-failed" ? 422 : 500,
        ["detail"] = detail,
    });

    /// <summary>
    /// The usage log: one structured event per completed job (event name <c>voice.usage</c>) for a log pipeline
    /// (ELK, Loki) to ingest. The text itself is never logged: its length and a fingerprint (SHA-256 prefix) only;
    /// the cost is in the usage record, priced by the ledger.
    /// </summary>
    [LoggerMessage(EventId = 7001, EventName = "voice.usage", Level = LogLevel.Information,
        Message = "Job {JobId} of tenant {TenantId} completed: engine {Engine}, {Characters} characters, {AudioSeconds} s of audio, {ComputeMs} ms compute, {Format}, text {TextFingerprint}")]
    private static partial void LogUsage(ILogger logger, Guid jobId, Guid tenantId, string engine, int characters, double audioSeconds, int computeMs, string format, string textFingerprint);

    private static string TextFingerprint(string text) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..16];

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} of tenant {TenantId} failed on attempt {Attempt}")]
    private static partial void LogFailed(ILogger logger, Guid jobId, Guid tenantId, int attempt, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} of tenant {TenantId} ran out of attempts and was dead-lettered")]
    private static partial void LogExhausted(ILogger logger, Guid jobId, Guid tenantId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} handed back to the queue for shutdown")]
    private static partial void LogReleased(ILogger logger, Guid jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} could not be settled; its entry stays pending for redelivery")]
    private static partial void LogSettleFailed(ILogger logger, Guid jobId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live audio of job {JobId} could not be published; the job goes on")]
    private static partial void LogStreamFailed(ILogger logger, Guid jobId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Heartbeat for job {JobId} failed")]
    private static partial void LogHeartbeatFailed(ILogger logger, Guid jobId, Exception exception);
}
