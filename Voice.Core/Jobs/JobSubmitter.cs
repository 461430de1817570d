using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Voice.Core.Jobs;

/// <summary>The queue refused the submission: nothing was queued (its ledger row is withdrawn).</summary>
public sealed class QueueUnavailableException(Exception inner) : Exception("The job queue is unavailable.", inner);

/// <summary>
/// The one door into the ledger and the queue. Group commit for submissions: concurrent requests are written
/// to the ledger in one round trip and put in the queue in one call, by a couple of loops that take whatever
/// has arrived meanwhile (up to 256). Alone, a request goes through at once; under load, a request costs a
/// fraction of a commit. Each caller still gets its own job, or its own error (<see cref="AdmissionRefusedException"/>
/// when its plan's limits refuse it), only after both the ledger and the queue have it. A submission with an
/// idempotency key claims its key in its own transaction, then is queued (or withdrawn) like the others.
/// </summary>
public sealed partial class JobSubmitter : IAsyncDisposable
{
    private const int MaxBatch = 256;
    private readonly Channel<Pending> _pending = Channel.CreateUnbounded<Pending>();
    private readonly Task[] _loops;
    private readonly JobStore _jobs;
    private readonly JobQueue _queue;
    private readonly ILogger<JobSubmitter> _logger;

    private sealed record Pending(NewJob Job, int Weight, string? TraceParent, TaskCompletionSource<Job> Done);

    public JobSubmitter(JobStore jobs, JobQueue queue, ILogger<JobSubmitter> logger)
    {
        _jobs = jobs;
        _queue = queue;
        _logger = logger;
        _loops = [Task.Run(RunAsync), Task.Run(RunAsync)];
    }

    public Task<Job> SubmitAsync(NewJob job, int weight)
    {
        if (Unstorable(job) is { } problem)
        {
            return Task.FromException<Job>(problem);
        }
        var pending = NewPending(job, weight);
        if (!_pending.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(JobSubmitter));
        }
        return pending.Done.Task;
    }

    /// <summary>
    /// Submits under an idempotency key: the same key and request within 24 h answer the original job
    /// (<see cref="SubmitResult.Replayed"/>, not queued again); the same key with another request is a
    /// <see cref="SubmitResult.KeyConflict"/>. Refusals and queue failures throw as for any submission.
    /// </summary>
    public async Task<SubmitResult> SubmitAsync(NewJob job, int weight, string idempotencyKey, byte[] requestHash, CancellationToken cancellationToken)
    {
        if (Unstorable(job) is { } problem)
        {
            throw problem;
        }
        var pending = NewPending(job, weight);
        var submitted = await _jobs.CreateAsync(job, idempotencyKey, requestHash, cancellationToken).ConfigureAwait(false);
        if (submitted.Refusal is { } refusal)
        {
            throw new AdmissionRefusedException(refusal);
        }
        if (submitted is { Job: { } created, Replayed: false })
        {
            await EnqueueOrWithdrawAsync([(pending, created)]).ConfigureAwait(false);
            await pending.Done.Task.ConfigureAwait(false);
        }
        return submitted;
    }

    /// <summary>
    /// Postgres refuses NUL in text outright: such a job never joins a batch (the API refuses it earlier, with a 400).
    /// A job without a valid pool has no lanes to wait in.
    /// </summary>
    private static ArgumentException? Unstorable(NewJob job) =>
        new[] { job.Spec.Text, job.Spec.Language, job.Spec.Voice, job.Spec.Format, job.CallbackUrl }.Any(s => s?.Contains('\0', StringComparison.Ordinal) == true)
            ? new ArgumentException("The job's text fields contain NUL, which cannot be stored.", nameof(job))
            : job.Pool is null || !Pools.PoolRegistry.IsValidName(job.Pool)
                ? new ArgumentException($"The job has no valid pool ('{job.Pool}'); the API routes every job to one.", nameof(job))
                : null;

    // The trace context is the submitter's (its job.submit span), taken before any await.
    private static Pending NewPending(NewJob job, int weight) =>
        new(job, weight, Activity.Current?.Id, new TaskCompletionSource<Job>(TaskCreationOptions.RunContinuationsAsynchronously));

    private async Task RunAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (await _pending.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _pending.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }
            if (batch.Count > 0)
            {
                await SubmitBatchAsync(batch).ConfigureAwait(false);
            }
        }
    }

    private async Task SubmitBatchAsync(List<Pending> all)
    {
        IReadOnlyList<(Job? Job, AdmissionRefusal? Refusal)> outcomes;
        try
        {
            outcomes = await _jobs.CreateManyAsync([.. all.Select(p => p.Job)], CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (all.Count > 1)
        {
            // One member's row can fail the whole statement (a value Postgres refuses): each member is tried alone, so
            // only the one at fault fails and every other tenant's submission in the batch goes through.
            LogBatchRetried(_logger, all.Count, ex);
            foreach (var single in all)
            {
                await SubmitBatchAsync([single]).ConfigureAwait(false);
            }
            return;
        }
        catch (Exception ex)
        {
            all[0].Done.TrySetException(ex);
            return;
        }
        var admitted = new List<(Pending Pending, Job Job)>(all.Count);
        for (int i = 0; i < all.Count; i++)
        {
            if (outcomes[i].Job is { } job)
            {
                admitted.Add((all[i], job));
            }
            else
            {
                all[i].Done.TrySetException(new AdmissionRefusedException(outcomes[i].Refusal!.Value));
            }
        }
        if (admitted.Count > 0)
        {
            await EnqueueOrWithdrawAsync(admitted).ConfigureAwait(false);
        }
    }

    /// <summary>The only withdraw path: jobs the queue refused leave the ledger, and their callers are told nothing was queued.</summary>
    private async Task EnqueueOrWithdrawAsync(List<(Pending Pending, Job Job)> admitted)
    {
        try
        {
            await _queue.EnqueueManyAsync([.. admitted.Select(a => new JobQueue.Item(a.Job.Pool!, a.Job.Id, a.Job.TenantId, a.Pending.Weight, a.Pending.TraceParent, a.Job.Spec.Stream))], CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisFaults.IsTransient(ex))
        {
            LogEnqueueFailed(_logger, admitted.Count, ex);
            await _jobs.DeleteQueuedAsync([.. admitted.Select(a => a.Job)], CancellationToken.None).ConfigureAwait(false);
            admitted.ForEach(a => a.Pending.Done.TrySetException(new QueueUnavailableException(ex)));
            return;
        }
        admitted.ForEach(a => a.Pending.Done.TrySetResult(a.Job));
    }

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await Task.WhenAll(_loops).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A group commit of {Count} submissions failed; each is retried alone")]
    private static partial void LogBatchRetried(ILogger logger, int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Enqueue of {Count} submitted jobs failed; they were withdrawn")]
    private static partial void LogEnqueueFailed(ILogger logger, int count, Exception exception);
}
