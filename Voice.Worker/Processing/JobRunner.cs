using System.Diagnostics;
using System.Text.Json;
using Voice.Audio;
using Voice.Audio.Encoding;
using Voice.Audio.Resampling;
using Voice.Core.Jobs;
using Voice.Core.Storage;
using Voice.Speech.Engines;

namespace Voice.Worker.Processing;

/// <summary>
/// Runs one delivered job: claim it in the ledger, synthesise, bring the audio to 24 kHz, encode, store,
/// commit the result, acknowledge. The entry is acknowledged only after the ledger says the job is finished,
/// so a crash at any point leaves it pending for redelivery; the claim's attempt number keeps a stale
/// attempt from overwriting a newer one.
/// </summary>
public sealed partial class JobRunner(
    JobStore jobs,
    JobQueue queue,
    BlobStore blobs,
    ISpeechEngine engine,
    WorkerTelemetry telemetry,
    ILogger<JobRunner> logger)
{
    public async Task RunAsync(QueueEntry entry, CancellationToken cancellationToken)
    {
        using var activity = WorkerTelemetry.Source.StartActivity("job.process", ActivityKind.Consumer, entry.TraceParent);
        activity?.SetTag("voice.task_id", entry.JobId);
        activity?.SetTag("voice.tenant_id", entry.TenantId);

        var claimed = await jobs.ClaimAsync(entry.TenantId, entry.JobId, cancellationToken);
        if (claimed is null)
        {
            // Finished or canceled already (a redelivery): nothing to do but acknowledge.
            await queue.AcknowledgeAsync(entry.EntryId);
            return;
        }
        activity?.SetTag("voice.attempt", claimed.Attempt);
        var started = Stopwatch.GetTimestamp();
        string outcome;
        try
        {
            var result = await SynthesizeAndStoreAsync(claimed, cancellationToken);
            bool committed = await jobs.CompleteAsync(claimed, engine.Name, engine.Model, result, cancellationToken);
            outcome = committed ? JobStatus.Completed : "superseded";
            LogCompleted(logger, claimed.Id, claimed.TenantId, result.DurationMs, committed);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            LogFailed(logger, claimed.Id, claimed.TenantId, ex);
            await jobs.FailAsync(claimed, ProblemJson(ex), CancellationToken.None);
            outcome = JobStatus.Failed;
        }
        await queue.AcknowledgeAsync(entry.EntryId);
        telemetry.JobsProcessed.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        telemetry.JobDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome));
    }

    private async Task<JobResult> SynthesizeAndStoreAsync(ClaimedJob job, CancellationToken cancellationToken)
    {
        var voice = PresetVoices.Find(job.Spec.Voice) ?? throw new InvalidOperationException($"Unknown voice '{job.Spec.Voice}'.");
        var samples = new List<float>();
        PolyphaseResampler? resampler = null;

        var synthesisStart = Stopwatch.GetTimestamp();
        using (var synth = WorkerTelemetry.Source.StartActivity("speech.synthesize"))
        {
            synth?.SetTag("voice.engine", engine.Name);
            synth?.SetTag("voice.model", engine.Model);
            synth?.SetTag("voice.characters", job.Spec.Text.Length);
            var request = new SynthesisRequest(job.Spec.Text, job.Spec.Language, voice);
            await foreach (var chunk in engine.SynthesizeAsync(request, cancellationToken))
            {
                if (chunk.SampleRate == AudioFormat.PlatformSampleRate)
                {
                    samples.AddRange(chunk.Samples.Span);
                    continue;
                }
                resampler ??= new PolyphaseResampler(chunk.SampleRate, AudioFormat.PlatformSampleRate);
                resampler.Process(chunk.Samples.Span, samples);
            }
            resampler?.Flush(samples);
        }
        double synthesisSeconds = Stopwatch.GetElapsedTime(synthesisStart).TotalSeconds;
        if (samples.Count == 0)
        {
            throw new InvalidOperationException("The engine produced no audio for this text.");
        }
        int durationMs = (int)(samples.Count * 1000L / AudioFormat.PlatformSampleRate);
        telemetry.RealTimeFactor.Record(synthesisSeconds / (durationMs / 1000.0), new KeyValuePair<string, object?>("engine", engine.Name));

        using var encoded = new MemoryStream(WavWriter.HeaderSize + (samples.Count * 2));
        using (WorkerTelemetry.Source.StartActivity("audio.encode"))
        {
            await WavWriter.WriteAsync(encoded, samples.ToArray(), AudioFormat.PlatformSampleRate, cancellationToken);
        }
        encoded.Position = 0;
        string path = $"results/{job.Id:N}.{job.Spec.Format}";
        using (WorkerTelemetry.Source.StartActivity("storage.upload"))
        {
            await blobs.UploadAsync(job.TenantId, path, encoded, "audio/wav", cancellationToken);
        }
        return new JobResult(path, encoded.Length, durationMs, AudioFormat.PlatformSampleRate);
    }

    /// <summary>The failure as the client will see it: a problem document without internals.</summary>
    private static string ProblemJson(Exception ex) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["type"] = "https://voice.dev/problems/synthesis-failed",
        ["title"] = "Speech synthesis failed.",
        ["status"] = 500,
        ["detail"] = ex is ArgumentException or InvalidOperationException ? ex.Message : "An internal error stopped the job.",
    });

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} of tenant {TenantId} completed: {DurationMs} ms of audio (committed: {Committed})")]
    private static partial void LogCompleted(ILogger logger, Guid jobId, Guid tenantId, int durationMs, bool committed);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId} of tenant {TenantId} failed")]
    private static partial void LogFailed(ILogger logger, Guid jobId, Guid tenantId, Exception exception);
}
