using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Utils;
using Voice.ApiService.Services;

namespace Voice.ApiService.Accounts;

/// <summary>How one account mail ended at the SMTP server.</summary>
public enum SmtpDelivery
{
    Sent,
    /// <summary>A permanent (5xx) answer: not retried.</summary>
    Rejected,
    /// <summary>Transient failures outlasted the attempts, or the login or the TLS handshake failed.</summary>
    Failed,
}

/// <summary>
/// Account mail through an SMTP server (<c>Accounts:Mailbox=smtp</c>, settings in <c>Accounts:Smtp</c>).
/// <para>
/// <see cref="SendAsync"/> only queues the mail: a background loop delivers it, retrying transient failures. The
/// request that caused the mail therefore answers as it does with the other sinks, at once and whatever the server
/// does — a slow or failing server neither fails it with a 500 nor holds it for the retries, and a password reset or
/// workspace list for an unknown address takes no less time than one for a known address. The price: a mail still
/// queued when the process stops is lost (the person asks again), and a failure reaches the log and
/// <c>voice.account.mails{sink="smtp",outcome}</c>, not the caller.
/// </para>
/// The log names the kind, the recipient's domain and the outcome; never the address, the token or the text.
/// </summary>
public sealed partial class SmtpMailer(IOptions<SmtpOptions> options, TimeProvider clock, ILogger<SmtpMailer> logger)
    : BackgroundService, IAccountMailer
{
    private const int QueueLength = 1000;
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(500);

    private readonly Channel<AccountMessage> queue = Channel.CreateBounded<AccountMessage>(
        new BoundedChannelOptions(QueueLength) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public Task SendAsync(AccountMessage message, CancellationToken cancellationToken)
    {
        if (!queue.Writer.TryWrite(message))
        {
            Count(message, "queue_full");
            LogQueueFull(message.Kind, Domain(message.To), QueueLength);
        }
        return Task.CompletedTask;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var message in queue.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await DeliverAsync(message, stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    // An address MimeKit cannot parse, say: this mail is lost, the loop goes on for the others.
                    Count(message, "failed");
                    LogFailed(message.Kind, Domain(message.To), Describe(e));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what is still queued is lost (see the summary).
        }
    }

    /// <summary>Delivers one mail now, with the retries; counts and logs the outcome. Throws only when <paramref name="cancellationToken"/> is canceled.</summary>
    public async Task<SmtpDelivery> DeliverAsync(AccountMessage message, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        // One MIME message for all attempts: a retry carries the same Message-ID, so a receiver can drop a duplicate.
        using var mime = Compose(message, settings);
        string domain = Domain(message.To);
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await SendOnceAsync(mime, settings, cancellationToken);
                Count(message, "sent");
                LogSent(message.Kind, domain, attempt);
                return SmtpDelivery.Sent;
            }
            catch (SmtpCommandException e) when ((int)e.StatusCode >= 500)
            {
                Count(message, "rejected");
                LogRejected(message.Kind, domain, (int)e.StatusCode, e.ErrorCode.ToString());
                return SmtpDelivery.Rejected;
            }
            catch (Exception e) when (IsTransient(e, cancellationToken))
            {
                if (attempt >= settings.MaxAttempts)
                {
                    Count(message, "failed");
                    LogGaveUp(message.Kind, domain, attempt, Describe(e));
                    return SmtpDelivery.Failed;
                }
                var delay = FirstRetryDelay * Math.Pow(2, attempt - 1);
                LogRetrying(message.Kind, domain, attempt, Describe(e), delay.TotalSeconds);
                await Task.Delay(delay, clock, cancellationToken);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                // A wrong login, a failed TLS handshake, a server without STARTTLS: settings to fix, not to retry.
                Count(message, "failed");
                LogFailed(message.Kind, domain, Describe(e));
                return SmtpDelivery.Failed;
            }
        }
    }

    /// <summary>The mail as it goes on the wire: plain text, dated when it was written, marked as automatic (RFC 3834) so that nobody's autoresponder answers it.</summary>
    internal static MimeMessage Compose(AccountMessage message, SmtpOptions settings)
    {
        var mime = new MimeMessage
        {
            Subject = message.Subject,
            Date = message.SentAt,
            MessageId = MimeUtils.GenerateMessageId(Domain(settings.From!)),
            Body = new TextPart("plain") { Text = message.Text },
        };
        mime.From.Add(new MailboxAddress(settings.FromName, settings.From!));
        mime.To.Add(MailboxAddress.Parse(message.To));
        mime.Headers.Add("Auto-Submitted", "auto-generated");
        mime.Headers.Add("X-Auto-Response-Suppress", "All");
        return mime;
    }

    private static async Task SendOnceAsync(MimeMessage mime, SmtpOptions settings, CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(settings.Timeout);
        using var client = new SmtpClient { Timeout = (int)settings.Timeout.TotalMilliseconds };
        if (settings.CertificateSha256 is { } pinned)
        {
            client.ServerCertificateValidationCallback = (_, certificate, _, errors) => errors == SslPolicyErrors.None || Matches(certificate, pinned);
        }
        await client.ConnectAsync(settings.Host!, settings.Port, settings.SocketOptions, attempt.Token);
        if (!string.IsNullOrEmpty(settings.UserName))
        {
            await client.AuthenticateAsync(settings.UserName, settings.Password!, attempt.Token);
        }
        await client.SendAsync(mime, attempt.Token);
        await client.DisconnectAsync(quit: true, attempt.Token);
    }

    private static bool Matches(X509Certificate? certificate, string pinned) =>
        certificate is not null
        && string.Equals(Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData())), pinned.Replace(":", ""), StringComparison.OrdinalIgnoreCase);

    /// <summary>Worth another attempt: a 4xx answer, a broken or refused connection, or this attempt's own timeout (not the caller's cancellation).</summary>
    private static bool IsTransient(Exception e, CancellationToken cancellationToken) => e switch
    {
        SmtpCommandException command => (int)command.StatusCode is >= 400 and < 500,
        SmtpProtocolException or ServiceNotConnectedException or IOException or SocketException or TimeoutException => true,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };

    /// <summary>The failure without the server's text, which may quote the recipient's address.</summary>
    private static string Describe(Exception e) => e switch
    {
        SmtpCommandException command => $"SMTP {(int)command.StatusCode} ({command.ErrorCode})",
        AuthenticationException => "authentication failed: check Accounts:Smtp:UserName and Password",
        SslHandshakeException => "TLS handshake failed: check Accounts:Smtp:Security, or trust the certificate with Accounts:Smtp:CertificateSha256",
        SocketException socket => $"connection failed ({socket.SocketErrorCode})",
        OperationCanceledException => "timed out",
        _ => e.GetType().Name,
    };

    private static string Domain(string address) => address[(address.LastIndexOf('@') + 1)..].Trim().ToLowerInvariant();

    private static void Count(AccountMessage message, string outcome) =>
        ApiMetrics.AccountMails.Add(1, new("kind", message.Kind), new("sink", "smtp"), new("outcome", outcome));

    [LoggerMessage(EventId = 7103, Level = LogLevel.Information, Message = "Account mail ({Kind}) to a {Domain} address sent by SMTP (attempt {Attempt})")]
    private partial void LogSent(string kind, string domain, int attempt);

    [LoggerMessage(EventId = 7104, Level = LogLevel.Warning, Message = "Account mail ({Kind}) to a {Domain} address rejected by the SMTP server: {Status} {Error}; not retried")]
    private partial void LogRejected(string kind, string domain, int status, string error);

    [LoggerMessage(EventId = 7105, Level = LogLevel.Information, Message = "Account mail ({Kind}) to a {Domain} address: attempt {Attempt} failed ({Reason}); retrying in {Seconds} s")]
    private partial void LogRetrying(string kind, string domain, int attempt, string reason, double seconds);

    [LoggerMessage(EventId = 7106, Level = LogLevel.Error, Message = "Account mail ({Kind}) to a {Domain} address not sent after {Attempts} attempts: {Reason}")]
    private partial void LogGaveUp(string kind, string domain, int attempts, string reason);

    [LoggerMessage(EventId = 7107, Level = LogLevel.Error, Message = "Account mail ({Kind}) to a {Domain} address not sent: {Reason}")]
    private partial void LogFailed(string kind, string domain, string reason);

    [LoggerMessage(EventId = 7108, Level = LogLevel.Error, Message = "Account mail ({Kind}) to a {Domain} address dropped: the SMTP queue holds {Length} mails already")]
    private partial void LogQueueFull(string kind, string domain, int length);
}
