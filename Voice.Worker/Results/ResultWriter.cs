using System.Diagnostics;
using System.Security.Cryptography;
using Voice.Audio;
using Voice.Audio.Encoding;
using Voice.Audio.Processing;
using Voice.Core.Jobs;
using Voice.Core.Storage;
using Voice.Speech.Engines;
using Voice.Worker.Hosting;
using Voice.Worker.Synthesis;

namespace Voice.Worker.Results;

/// <summary>
/// Stores a synthesised job's result: normalised for loudness, encoded in the requested format and sample rate with the result's
/// tags, uploaded to one object per epoch. What it returns is ready for the ledger to commit.
/// </summary>
public sealed class ResultWriter(BlobStore blobs, ISpeechEngine engine)
{
    /// <param name="started">When the job's batch began (the result's compute time runs from there).</param>
    public async Task<Completion> WriteAsync(SynthesisSession session, long started)
    {
        var job = session.Job;
        float[] samples = session.TakeSamples();
        int durationMs = (int)(samples.Length * 1000L / AudioFormat.PlatformSampleRate);
        // The rate the result is encoded at: the format's own (G.711), the request's, or the platform's.
        int sampleRate = AudioFormats.FixedSampleRate(job.Spec.Format) ?? job.Spec.SampleRate ?? AudioFormat.PlatformSampleRate;
        using var encoded = new MemoryStream();
        if (session.StreamedResult is { } streamed)
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
            await AudioFormats.EncodeAsync(job.Spec.Format, samples, encoded, metadata, CancellationToken.None, sampleRate).ConfigureAwait(false);
        }
        encoded.Position = 0;
        // One object per epoch: a superseded attempt can never overwrite the audio a newer one committed.
        string path = $"results/{job.Id:N}-{job.Epoch}.{AudioFormats.Extension(job.Spec.Format)}";
        using (WorkerTelemetry.Source.StartActivity("storage.upload"))
        {
            await blobs.UploadAsync(job.TenantId, path, encoded, AudioFormats.ContentType(job.Spec.Format), CancellationToken.None).ConfigureAwait(false);
        }
        return new Completion(job, engine.Name, engine.Model, new JobResult(path, encoded.Length, durationMs, sampleRate, session.TurnStartsMs),
            (int)Stopwatch.GetElapsedTime(started).TotalMilliseconds, session.Words);
    }

    /// <summary>Deletes a result the ledger did not commit (the job was canceled meanwhile, or a newer attempt owns it).</summary>
    public Task DiscardAsync(Completion completion) =>
        blobs.DeleteAsync(completion.Job.TenantId, completion.Result.BlobPath, CancellationToken.None);

    /// <summary>SHA-256 of the result as 16-bit PCM: identifies the audio whatever container carries it.</summary>
    private static string ContentHash(float[] samples)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var pcm = new byte[32 * 1024]; // in blocks: not a second copy of the whole audio
        for (int offset = 0; offset < samples.Length; offset += pcm.Length / 2)
        {
            int count = Math.Min(pcm.Length / 2, samples.Length - offset);
            Pcm16.FromFloat(samples.AsSpan(offset, count), pcm);
            hash.AppendData(pcm, 0, count * 2);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
