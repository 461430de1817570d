using System.Net.WebSockets;

namespace Voice.ApiService.Realtime;

/// <summary>Receives with a time limit without canceling the receive (a canceled receive aborts a WebSocket, so it could no longer be closed with a status).</summary>
public static class SocketReading
{
    /// <summary>
    /// The next frame's result, or null when none came within <paramref name="limit"/> while <paramref name="busy"/>
    /// (if given) said the server had nothing left to send (the receive stays pending; a close completes it).
    /// </summary>
    public static async Task<ValueWebSocketReceiveResult?> ReceiveWithinAsync(WebSocket socket, Memory<byte> buffer, TimeSpan limit, CancellationToken cancellationToken,
        Func<bool>? busy = null)
    {
        var receiving = socket.ReceiveAsync(buffer, cancellationToken).AsTask();
        while (true)
        {
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var first = await Task.WhenAny(receiving, Task.Delay(limit, timer.Token));
            await timer.CancelAsync(); // no timer outlives its receive
            if (first == receiving)
            {
                return await receiving;
            }
            cancellationToken.ThrowIfCancellationRequested();
            if (busy?.Invoke() != true)
            {
                _ = receiving.ContinueWith(t => t.Exception, TaskContinuationOptions.OnlyOnFaulted); // observed: the socket is closing
                return null;
            }
        }
    }
}
