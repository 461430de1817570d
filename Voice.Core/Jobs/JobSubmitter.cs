using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Voice.Core.Jobs;

/// <summary>The queue refused the submission: nothing was queued (its ledger row is withdrawn).</summary>
public sealed class QueueUnavailableException(Exception inner) : Exception("The job queue is unavailable.", inner);

/// <summary>
/// Group commit for submissions: concurrent requests are written to the ledger in one round trip and put in
/// the queue in one call, by a couple of loops that take whatever has arrived meanwhile (up to 256). Alone,
/// a request goes through at once; under load, a request costs a fraction of a commit. Each caller still
/// gets its own job, or its own error, only after both the ledger and the queue have it.
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
        var pending = new Pending(job, weight, Activity.Current?.Id, new TaskCompletionSource<Job>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_pending.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(JobSubmitter));
        }
        return pending.Done.Task;
    }

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

    private async Task SubmitBatchAsync(List<Pending> batch)
    {
        IReadOnlyList<Job> created;
        try
        {
            created = await _jobs.CreateManyAsync([.. batch.Select(p => p.Job)], CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            batch.ForEach(p => p.Done.TrySetException(ex));
            return;
        }
        try
        {
            await _queue.EnqueueManyAsync([.. batch.Select((p, i) => new JobQueue.Item(created[i].Id, p.Job.TenantId, p.Weight, p.TraceParent))], CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            // The ledger rows must not outlive a failed enqueue: the clients are told nothing was queued.
            LogEnqueueFailed(_logger, batch.Count, ex);
            await _jobs.DeleteQueuedAsync(created, CancellationToken.None).ConfigureAwait(false);
            batch.ForEach(p => p.Done.TrySetException(new QueueUnavailableException(ex)));
            return;
        }
        for (int i = 0; i < batch.Count; i++)
        {
            batch[i].Done.TrySetResult(created[i]);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await Task.WhenAll(_loops).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Enqueue of {Count} submitted jobs failed; they were withdrawn")]
    private static partial void LogEnqueueFailed(ILogger logger, int count, Exception exception);
}
