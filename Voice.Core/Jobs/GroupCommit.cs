using System.Threading.Channels;
using Npgsql;

namespace Voice.Core.Jobs;

/// <summary>
/// Group commit for a batched ledger operation: calls that arrive while a round trip is in flight go together in
/// the next one, so a batch grows with the load (a call alone goes at once) and each job costs a fraction of a round
/// trip and of its tenant's statement. A call gets its own items' results, in its order. When a merged run fails in
/// Postgres (its transaction rolled back: nothing was written), every call is run again alone, so one call's
/// failure is not another's.
/// </summary>
public sealed class GroupCommit<TItem, TResult>
{
    private readonly Func<IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> _run;
    private readonly int _maxItems;
    private readonly Channel<Call> _calls = Channel.CreateUnbounded<Call>(new() { SingleWriter = false });

    private sealed record Call(IReadOnlyList<TItem> Items, TaskCompletionSource<IReadOnlyList<TResult>> Done);

    /// <param name="run">The batched operation: one result per item, in the items' order.</param>
    /// <param name="maxItems">A merged run stops taking calls once it holds this many items.</param>
    /// <param name="loops">Round trips in flight at once.</param>
    public GroupCommit(Func<IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> run, int maxItems, int loops = 2)
    {
        _run = run;
        _maxItems = maxItems;
        // The loops serve every caller: they must not carry the first caller's context (its trace) into the others' work.
        using (ExecutionContext.SuppressFlow())
        {
            for (int i = 0; i < loops; i++)
            {
                _ = Task.Run(LoopAsync);
            }
        }
    }

    public Task<IReadOnlyList<TResult>> RunAsync(IReadOnlyList<TItem> items)
    {
        if (items.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<TResult>>([]);
        }
        var call = new Call(items, new(TaskCreationOptions.RunContinuationsAsynchronously));
        _calls.Writer.TryWrite(call);
        return call.Done.Task;
    }

    private async Task LoopAsync()
    {
        var calls = new List<Call>();
        while (await _calls.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            calls.Clear();
            int items = 0;
            while (items < _maxItems && _calls.Reader.TryRead(out var call))
            {
                calls.Add(call);
                items += call.Items.Count;
            }
            if (calls.Count > 0)
            {
                await RunMergedAsync(calls).ConfigureAwait(false);
            }
        }
    }

    private async Task RunMergedAsync(List<Call> calls)
    {
        IReadOnlyList<TResult> results;
        try
        {
            results = await _run(calls.Count == 1 ? calls[0].Items : [.. calls.SelectMany(c => c.Items)]).ConfigureAwait(false);
        }
        catch (PostgresException) when (calls.Count > 1)
        {
            foreach (var call in calls)
            {
                await RunMergedAsync([call]).ConfigureAwait(false);
            }
            return;
        }
        catch (Exception ex)
        {
            calls.ForEach(c => c.Done.TrySetException(ex));
            return;
        }
        int offset = 0;
        foreach (var call in calls)
        {
            call.Done.TrySetResult(results.Skip(offset).Take(call.Items.Count).ToList());
            offset += call.Items.Count;
        }
    }
}
