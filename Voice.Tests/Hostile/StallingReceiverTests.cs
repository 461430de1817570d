using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Voice.Core.Webhooks;

namespace Voice.Tests.Hostile;

/// <summary>
/// A receiver that answers and then sends nothing (a 500 promising 1 KiB of body) costs a delivery slot for the
/// sender's deadline, and not a moment longer: the deadline covers the body read too, so it cannot stall the dispatcher.
/// </summary>
public sealed class StallingReceiverTests
{
    [Fact]
    public async Task AnAnswerThatNeverCompletesEndsAtTheDeadline()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var stall = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            _ = await stream.ReadAsync(new byte[8192]); // the request (or its start: the answer does not depend on it)
            await stream.WriteAsync("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 1024\r\n\r\npartial"u8.ToArray());
            await Task.Delay(TimeSpan.FromSeconds(30)); // then nothing, with the connection open
        });
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var sender = new WebhookSender(new SsrfGuard([IPNetwork.Parse("127.0.0.0/8")]), TimeSpan.FromSeconds(1));
        var delivery = new PendingDelivery(Guid.NewGuid(), Guid.NewGuid(), "task.completed", $"http://127.0.0.1:{port}/hook", "{}", Encoding.UTF8.GetBytes("secret"), 0, DateTimeOffset.UtcNow);

        var started = Stopwatch.GetTimestamp();
        var (delivered, status, error) = await sender.SendAsync(delivery, DateTimeOffset.UtcNow, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(25));

        Assert.False(delivered);
        Assert.Equal(500, status);
        Assert.Contains("did not complete within 1 s", error, StringComparison.Ordinal);
        Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(20), "bounded by the deadline, not by the receiver");
    }
}
