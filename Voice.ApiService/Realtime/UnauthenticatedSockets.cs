using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;
using Voice.ApiService.Security;

namespace Voice.ApiService.Realtime;

/// <summary>
/// Counts the speech sockets that were upgraded without a credential and have not yet sent their <c>auth</c> message,
/// per address (<see cref="ClientNetworks.ThrottleKey"/>) and in all: past either cap an upgrade is refused before it
/// happens, so nobody can hold many unauthenticated sockets open (each also has only <see cref="RealtimeOptions.AuthTimeout"/>).
/// </summary>
public sealed class UnauthenticatedSockets(IOptions<RealtimeOptions> options)
{
    private readonly ConcurrentDictionary<string, int> _byAddress = new();
    private int _total;

    /// <summary>A place among the waiting sockets (dispose it once the socket authenticated or ended), or null when none is free.</summary>
    public IDisposable? TryEnter(IPAddress? address)
    {
        string key = address is null ? "unknown" : ClientNetworks.ThrottleKey(address);
        if (Interlocked.Increment(ref _total) > options.Value.MaxUnauthenticated)
        {
            Interlocked.Decrement(ref _total);
            return null;
        }
        if (_byAddress.AddOrUpdate(key, 1, (_, n) => n + 1) > options.Value.MaxUnauthenticatedPerAddress)
        {
            Leave(key);
            return null;
        }
        return new Place(this, key);
    }

    private void Leave(string key)
    {
        if (_byAddress.AddOrUpdate(key, 0, (_, n) => n - 1) <= 0)
        {
            _byAddress.TryRemove(new KeyValuePair<string, int>(key, 0));
        }
        Interlocked.Decrement(ref _total);
    }

    private sealed class Place(UnauthenticatedSockets owner, string key) : IDisposable
    {
        private int _left;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0)
            {
                owner.Leave(key);
            }
        }
    }
}
