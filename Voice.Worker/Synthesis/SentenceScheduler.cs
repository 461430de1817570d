using Microsoft.Extensions.Options;
using Voice.Worker.Hosting;

namespace Voice.Worker.Synthesis;

/// <summary>
/// Hands out the engine's work for live jobs one sentence at a time, so that many listeners each hear their first
/// sentence early instead of the last waiting for every earlier job to finish. At most
/// <see cref="WorkerOptions.LiveSentenceLimit"/> sentences are made (and encoded) at once; the next turn goes to a
/// stream that has not spoken yet, then to the tenant that has had the fewest turns (a tenant's count starts at the
/// lowest of the others', so a newcomer is not owed the past), then to the stream that has waited longest.
/// </summary>
public sealed class SentenceScheduler(IOptions<WorkerOptions> options)
{
    private readonly Lock _lock = new();
    private readonly List<Waiter> _waiting = [];
    private readonly Dictionary<Guid, (int Streams, long Turns)> _tenants = [];
    private long _sequence;
    private int _running;

    /// <summary>A stream of <paramref name="tenant"/> starts; dispose it when the stream ends.</summary>
    public IDisposable Enter(Guid tenant)
    {
        lock (_lock)
        {
            long start = _tenants.Count == 0 ? 0 : _tenants.Values.Min(t => t.Turns);
            _tenants[tenant] = _tenants.TryGetValue(tenant, out var held) ? (held.Streams + 1, held.Turns) : (1, start);
        }
        return new Exit(this, tenant);
    }

    /// <summary>Waits for the turn to make one sentence; dispose the turn when the sentence is made and passed on.</summary>
    public async Task<IDisposable> TurnAsync(Guid tenant, bool first, CancellationToken cancellationToken)
    {
        var waiter = new Waiter(tenant, first, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (_lock)
        {
            waiter.Sequence = _sequence++;
            _waiting.Add(waiter);
            Dispatch();
        }
        try
        {
            await waiter.Granted.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            lock (_lock)
            {
                if (!_waiting.Remove(waiter))
                {
                    Release(); // granted just as it was canceled: pass the turn on
                }
            }
            throw;
        }
        return new Turn(this);
    }

    /// <summary>Streams waiting for their turn.</summary>
    public int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count;
            }
        }
    }

    private void Dispatch()
    {
        while (_running < options.Value.LiveSentenceLimit && _waiting.Count > 0)
        {
            int best = 0;
            for (int i = 1; i < _waiting.Count; i++)
            {
                if (Before(_waiting[i], _waiting[best]))
                {
                    best = i;
                }
            }
            var next = _waiting[best];
            _waiting.RemoveAt(best);
            _running++;
            if (_tenants.TryGetValue(next.Tenant, out var held))
            {
                _tenants[next.Tenant] = (held.Streams, held.Turns + 1);
            }
            next.Granted.TrySetResult();
        }
    }

    private bool Before(Waiter a, Waiter b)
    {
        if (a.First != b.First)
        {
            return a.First;
        }
        long turnsA = _tenants.GetValueOrDefault(a.Tenant).Turns, turnsB = _tenants.GetValueOrDefault(b.Tenant).Turns;
        return turnsA != turnsB ? turnsA < turnsB : a.Sequence < b.Sequence;
    }

    private void Release()
    {
        _running--;
        Dispatch();
    }

    private sealed class Waiter(Guid tenant, bool first, TaskCompletionSource granted)
    {
        public Guid Tenant { get; } = tenant;
        public bool First { get; } = first;
        public TaskCompletionSource Granted { get; } = granted;
        public long Sequence { get; set; }
    }

    private sealed class Turn(SentenceScheduler scheduler) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                lock (scheduler._lock)
                {
                    scheduler.Release();
                }
            }
        }
    }

    private sealed class Exit(SentenceScheduler scheduler, Guid tenant) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                lock (scheduler._lock)
                {
                    var held = scheduler._tenants[tenant];
                    if (held.Streams <= 1)
                    {
                        scheduler._tenants.Remove(tenant);
                    }
                    else
                    {
                        scheduler._tenants[tenant] = (held.Streams - 1, held.Turns);
                    }
                }
            }
        }
    }
}
