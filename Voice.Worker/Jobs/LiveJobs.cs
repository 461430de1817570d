using Microsoft.Extensions.Options;
using Voice.Speech.Engines;
using Voice.Worker.Claiming;
using Voice.Worker.Hosting;

namespace Voice.Worker.Jobs;

/// <summary>
/// Live jobs running beside the worker's slots (<see cref="WorkerOptions.LiveJobs"/>): a claimed streaming job is run
/// here, so the slot that claimed it goes back to picking, and the streams take their sentences in turns. Bounded per
/// worker and per tenant; a job that finds no room runs in its slot as queued work does.
/// </summary>
public sealed class LiveJobs(ISpeechEngine engine, IOptions<WorkerOptions> options)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, int> _perTenant = [];
    private int _count;
    private TaskCompletionSource? _idle;

    /// <summary>Whether live jobs are spoken in sentence turns: the engine makes one request at a time (no batches).</summary>
    public bool Interleaves => options.Value.LiveJobs > 0 && engine.Capabilities.MaxBatchSize <= 1;

    /// <summary>Starts <paramref name="run"/> for a batch of one streaming job when there is room; false: run it in the slot.</summary>
    public bool TryStart(ReadyJob[] batch, Func<Task> run)
    {
        if (!Interleaves || batch is not [{ Job.Spec.Stream: true } job])
        {
            return false;
        }
        var tenant = job.Job.TenantId;
        lock (_lock)
        {
            if (_count >= options.Value.LiveJobs || _perTenant.GetValueOrDefault(tenant) >= options.Value.LiveTenantLimit)
            {
                return false;
            }
            _count++;
            _perTenant[tenant] = _perTenant.GetValueOrDefault(tenant) + 1;
        }
        _ = Task.Run(async () =>
        {
            try
            {
                await run().ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Shutdown past its grace: the entry stays pending and is reclaimed.
            }
            finally
            {
                Leave(tenant);
            }
        });
        return true;
    }

    /// <summary>Completes when no live job runs here (on shutdown, after the slots stopped taking work).</summary>
    public Task WhenIdleAsync()
    {
        lock (_lock)
        {
            if (_count == 0)
            {
                return Task.CompletedTask;
            }
            _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _idle.Task;
        }
    }

    private void Leave(Guid tenant)
    {
        lock (_lock)
        {
            _count--;
            if (--_perTenant[tenant] == 0)
            {
                _perTenant.Remove(tenant);
            }
            if (_count == 0)
            {
                _idle?.TrySetResult();
                _idle = null;
            }
        }
    }
}
