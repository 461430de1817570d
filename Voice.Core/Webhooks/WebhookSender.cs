using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace Voice.Core.Webhooks;

/// <summary>
/// Sends one signed delivery. <c>Voice-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256(secret, "t.body")&gt;</c>
/// lets the receiver check origin and freshness. The connection goes through <see cref="SsrfGuard"/>; redirects
/// are not followed, and at most 1 KiB of the answer is read. One deadline covers the whole exchange — connect,
/// send, headers and the body read — so a receiver that answers and then stalls costs one slot for at most
/// <see cref="Timeout"/>, never the dispatcher.
/// </summary>
public sealed class WebhookSender : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private const int MaxResponseBytes = 1024;
    private readonly HttpClient _http;
    private readonly TimeSpan _deadline;

    public WebhookSender(SsrfGuard guard) : this(guard, Timeout)
    {
    }

    /// <summary>With a shorter deadline than <see cref="Timeout"/>: tests of a stalling receiver.</summary>
    public WebhookSender(SsrfGuard guard, TimeSpan deadline)
    {
        _deadline = deadline;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            ConnectCallback = (context, cancellationToken) => guard.ConnectAsync(context.DnsEndPoint, cancellationToken),
        };
        _http = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan }; // the deadline below covers more
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("Voice-Webhooks", "1.0"));
    }

    public static string Sign(ReadOnlySpan<byte> secret, long timestamp, string body)
    {
        byte[] mac = HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{timestamp}.{body}")));
        return string.Create(CultureInfo.InvariantCulture, $"t={timestamp},v1={Convert.ToHexStringLower(mac)}");
    }

    public async Task<(bool Delivered, int? StatusCode, string? Error)> SendAsync(PendingDelivery delivery, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url)
        {
            Content = new StringContent(delivery.Payload, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Voice-Event", delivery.Event);
        request.Headers.Add("Voice-Delivery", delivery.Id.ToString());
        request.Headers.Add("Voice-Signature", Sign(delivery.Secret, now.ToUnixTimeSeconds(), delivery.Payload));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_deadline);
        int? status = null;
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return (true, status, null);
            }
            string detail = status is >= 300 and < 400 ? "Redirects are not followed." : await ReadSomeAsync(response, deadline.Token).ConfigureAwait(false);
            return (false, status, $"HTTP {status}: {detail}");
        }
        catch (HttpRequestException ex) when (ex.InnerException is WebhookTargetRefusedException refused)
        {
            return (false, null, refused.Message);
        }
        catch (HttpRequestException ex)
        {
            return (false, null, ex.Message);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (false, status, status is null
                ? $"No answer within {_deadline.TotalSeconds:0.#} s."
                : $"HTTP {status}: the answer did not complete within {_deadline.TotalSeconds:0.#} s.");
        }
    }

    private static async Task<string> ReadSomeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        byte[] buffer = new byte[MaxResponseBytes];
        int read = 0, n;
        while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false)) > 0)
        {
            read += n;
        }
        return Encoding.UTF8.GetString(buffer, 0, read);
    }

    public void Dispose() => _http.Dispose();
}
