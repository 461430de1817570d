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
        catch (Exception ex)
        {
            all.ForEach(p => p.Done.TrySetException(ex));
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
            await _queue.EnqueueManyAsync([.. admitted.Select(a => new JobQueue.Item(a.Job.Id, a.Job.TenantId, a.Pending.Weight, a.Pending.TraceParent, a.Job.Spec.Stream))], CancellationToken.None).ConfigureAwait(false);
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

    [LoggerMessage(Level = LogLevel.Error, Message = "Enqueue of {Count} submitted jobs failed; they were withdrawn")]
    private static partial void LogEnqueueFailed(ILogger logger, int count, Exception exception);
}
