using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Voice.ApiService.Accounts;

namespace Voice.Tests.Accounts;

/// <summary>The SMTP account mailer against a real SMTP server on this machine (<see cref="SmtpTestServer"/>).</summary>
public sealed class SmtpMailerTests
{
    private static readonly TimeSpan Arrival = TimeSpan.FromSeconds(20);
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 17, 40, 30, TimeSpan.Zero);
    private const string Token = "vtk_reset_0123456789abcdef";

    [Fact]
    public async Task SentMailCarriesItsHeadersTheLinkWithTheTokenAndWhenItExpires()
    {
        await using var server = await SmtpTestServer.StartAsync();
        var logs = new ListLogger();
        var message = Mails().PasswordReset("ada@example.org", Token);

        Assert.Equal(SmtpDelivery.Sent, await DeliverAsync(server, message, logs: logs));

        var mail = Assert.Single(await server.WaitForMessagesAsync(1, Arrival));
        var from = Assert.Single(mail.From.Mailboxes);
        Assert.Equal(("Voice", "no-reply@voice.test"), (from.Name, from.Address));
        Assert.Equal("ada@example.org", Assert.Single(mail.To.Mailboxes).Address);
        Assert.Equal("Reset your Voice password", mail.Subject);
        Assert.Equal(Now, mail.Date);
        Assert.EndsWith("@voice.test", mail.MessageId);
        Assert.Equal("auto-generated", mail.Headers["Auto-Submitted"]);
        Assert.Contains($"https://portal.voice.test/account/reset-password?token={Token}", mail.TextBody);
        Assert.Contains("within 30 minutes (until 2026-12-06 18:10 UTC)", mail.TextBody);
        // The log says what happened, not to whom exactly nor with which token.
        Assert.Contains(logs.Lines, line => line.Contains("password_reset") && line.Contains("example.org") && line.Contains("sent"));
        Assert.DoesNotContain(logs.Lines, line => line.Contains(Token) || line.Contains("ada@"));
    }

    [Theory]
    [InlineData("451 4.3.0 Try again later")]
    [InlineData("421 4.7.0 Too busy, come back later")]
    public async Task TransientRefusalsAreRetriedAndTheMailArrivesOnce(string reply)
    {
        await using var server = await SmtpTestServer.StartAsync("--defer", "2", "--defer-reply", reply);

        Assert.Equal(SmtpDelivery.Sent, await DeliverAsync(server, Mails().Invitation("bo@example.org", "Acme", "member", Token)));

        Assert.Single(await server.WaitForMessagesAsync(1, Arrival));
        Assert.Equal(["deferred", "deferred", "accepted"], server.Events);
    }

    [Fact]
    public async Task TransientRefusalsStopAfterMaxAttempts()
    {
        await using var server = await SmtpTestServer.StartAsync("--defer", "10");

        Assert.Equal(SmtpDelivery.Failed, await DeliverAsync(server, Mails().PasswordReset("cy@example.org", Token), maxAttempts: 3));

        Assert.Equal(["deferred", "deferred", "deferred"], server.Events);
        Assert.Empty(server.Messages);
    }

    [Fact]
    public async Task APermanentRejectionIsNotRetried()
    {
        await using var server = await SmtpTestServer.StartAsync("--reject", "gone@example.org");
        var logs = new ListLogger();

        Assert.Equal(SmtpDelivery.Rejected, await DeliverAsync(server, Mails().PasswordReset("gone@example.org", Token), logs: logs));

        Assert.Equal(["rejected"], server.Events);
        Assert.Empty(server.Messages);
        Assert.Contains(logs.Lines, line => line.Contains("rejected") && line.Contains("550") && line.Contains("not retried"));
        Assert.DoesNotContain(logs.Lines, line => line.Contains("gone@"));
    }

    [Fact]
    public async Task AServerThatRefusesConnectionsIsRetriedThenGivenUp()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int closed = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var options = Settings("127.0.0.1", closed);
        options.MaxAttempts = 2;
        var logs = new ListLogger();
        var mailer = new SmtpMailer(Options.Create(options), TimeProvider.System, logs);

        using var deadline = new CancellationTokenSource(Arrival);
        Assert.Equal(SmtpDelivery.Failed, await mailer.DeliverAsync(Mails().PasswordReset("di@example.org", Token), deadline.Token));

        Assert.Contains(logs.Lines, line => line.Contains("retrying") && line.Contains("connection failed"));
        Assert.Contains(logs.Lines, line => line.Contains("not sent after 2 attempts"));
    }

    [Fact]
    public async Task ALoginWithTheRightPasswordSends()
    {
        await using var server = await SmtpTestServer.StartAsync("--user", "voice", "--password", "s3cret");

        Assert.Equal(SmtpDelivery.Sent, await DeliverAsync(server, Mails().EmailVerification("ed@example.org", Token), userName: "voice", password: "s3cret"));

        Assert.Single(await server.WaitForMessagesAsync(1, Arrival));
        Assert.Equal(["auth ok", "accepted"], server.Events);
    }

    [Fact]
    public async Task AWrongPasswordIsNotRetriedAndIsLoggedWithoutThePassword()
    {
        await using var server = await SmtpTestServer.StartAsync("--user", "voice", "--password", "s3cret");
        var logs = new ListLogger();

        Assert.Equal(SmtpDelivery.Failed, await DeliverAsync(server, Mails().EmailVerification("fi@example.org", Token), userName: "voice", password: "wrong-guess", logs: logs));

        // One attempt, in which MailKit tries each mechanism the server offers (PLAIN, then LOGIN).
        Assert.Equal(["auth failed", "auth failed"], server.Events);
        Assert.Empty(server.Messages);
        Assert.DoesNotContain(logs.Lines, line => line.Contains("retrying"));
        Assert.Contains(logs.Lines, line => line.Contains("authentication failed"));
        Assert.DoesNotContain(logs.Lines, line => line.Contains("wrong-guess"));
    }

    [Fact]
    public async Task StartTlsWithAPinnedSelfSignedCertificateSends()
    {
        using var tls = SelfSignedPem.Create();
        await using var server = await SmtpTestServer.StartAsync("--cert", tls.CertificatePath, "--key", tls.KeyPath, "--user", "voice", "--password", "s3cret");

        Assert.Equal(SmtpDelivery.Sent, await DeliverAsync(server, Mails().EmailVerification("gu@example.org", Token),
            security: "starttls", userName: "voice", password: "s3cret", certificateSha256: tls.Sha256));

        Assert.Single(await server.WaitForMessagesAsync(1, Arrival));
    }

    [Fact]
    public async Task StartTlsRefusesACertificateNobodyTrusts()
    {
        using var tls = SelfSignedPem.Create();
        await using var server = await SmtpTestServer.StartAsync("--cert", tls.CertificatePath, "--key", tls.KeyPath);
        var logs = new ListLogger();

        Assert.Equal(SmtpDelivery.Failed, await DeliverAsync(server, Mails().EmailVerification("ha@example.org", Token), security: "starttls", logs: logs));

        Assert.Empty(server.Messages);
        Assert.Contains(logs.Lines, line => line.Contains("TLS handshake failed"));
    }

    [Fact]
    public async Task SendAsyncQueuesTheMailAndTheBackgroundLoopDeliversIt()
    {
        await using var server = await SmtpTestServer.StartAsync("--defer", "1");
        var mailer = new SmtpMailer(Options.Create(Settings("127.0.0.1", server.Port)), TimeProvider.System, new ListLogger());
        await mailer.StartAsync(CancellationToken.None);
        try
        {
            // Returns at once, although the server defers the first attempt.
            Assert.True(mailer.SendAsync(Mails().Invitation("io@example.org", "Acme", "admin", Token), CancellationToken.None).IsCompletedSuccessfully);

            var mail = Assert.Single(await server.WaitForMessagesAsync(1, Arrival));
            Assert.Equal("You are invited to Acme on Voice", mail.Subject);
            Assert.Contains("Accept within seven days (until 2026-12-13 17:40 UTC)", mail.TextBody);
        }
        finally
        {
            await mailer.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public void MailboxSmtpRegistersTheSmtpMailer()
    {
        using var host = AccountsHost(new() { ["Accounts:Mailbox"] = "smtp", ["Accounts:Smtp:Host"] = "smtp.voice.test", ["Accounts:Smtp:From"] = "no-reply@voice.test" });

        host.Services.GetRequiredService<IStartupValidator>().Validate();
        Assert.IsType<SmtpMailer>(host.Services.GetRequiredService<IAccountMailer>());
        Assert.Contains(host.Services.GetServices<IHostedService>(), service => service is SmtpMailer);
        Assert.Equal(587, host.Services.GetRequiredService<IOptions<SmtpOptions>>().Value.Port);
    }

    [Theory]
    [InlineData(null, "no-reply@voice.test", null, "Accounts:Smtp:Host is required when Accounts:Mailbox is smtp.")]
    [InlineData("smtp.voice.test", null, null, "Accounts:Smtp:From is required when Accounts:Mailbox is smtp.")]
    [InlineData("smtp.voice.test", "no-reply@voice.test", "ssl", "Accounts:Smtp:Security is none, starttls or tls.")]
    public void MailboxSmtpWithoutAHostOrSenderFailsAtStart(string? smtpHost, string? from, string? security, string error)
    {
        using var host = AccountsHost(new() { ["Accounts:Mailbox"] = "smtp", ["Accounts:Smtp:Host"] = smtpHost, ["Accounts:Smtp:From"] = from, ["Accounts:Smtp:Security"] = security });

        var failure = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains(error, failure.Message);
    }

    [Fact]
    public void APasswordIsNotSentInClearToAnotherMachine()
    {
        using var host = AccountsHost(new()
        {
            ["Accounts:Mailbox"] = "smtp", ["Accounts:Smtp:Host"] = "smtp.voice.test", ["Accounts:Smtp:From"] = "no-reply@voice.test",
            ["Accounts:Smtp:Security"] = "none", ["Accounts:Smtp:UserName"] = "voice", ["Accounts:Smtp:Password"] = "s3cret",
        });

        var failure = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("sends the password in clear", failure.Message);
    }

    private static IHost AccountsHost(Dictionary<string, string?> settings)
    {
        // Production, so that the host does not validate the whole graph (the database and Redis are not registered here).
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Production, DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddVoiceAccounts();
        return builder.Build();
    }

    private static AccountMails Mails() =>
        new(Options.Create(new AccountsOptions { PortalUrl = "https://portal.voice.test" }), new FakeTimeProvider(Now));

    private static SmtpOptions Settings(string host, int port) =>
        new() { Host = host, Port = port, Security = "none", From = "no-reply@voice.test", Timeout = TimeSpan.FromSeconds(10) };

    private static async Task<SmtpDelivery> DeliverAsync(SmtpTestServer server, AccountMessage message, int maxAttempts = 4, string security = "none",
        string? userName = null, string? password = null, string? certificateSha256 = null, ListLogger? logs = null)
    {
        var options = Settings("127.0.0.1", server.Port);
        (options.MaxAttempts, options.Security, options.UserName, options.Password, options.CertificateSha256) = (maxAttempts, security, userName, password, certificateSha256);
        var mailer = new SmtpMailer(Options.Create(options), TimeProvider.System, logs ?? new ListLogger());
        using var deadline = new CancellationTokenSource(Arrival);
        return await mailer.DeliverAsync(message, deadline.Token);
    }

    /// <summary>The log lines as they would be written.</summary>
    private sealed class ListLogger : ILogger<SmtpMailer>
    {
        private readonly List<string> lines = [];

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (lines)
                {
                    return [.. lines];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (lines)
            {
                lines.Add(formatter(state, exception) + (exception is null ? "" : " " + exception));
            }
        }
    }

    /// <summary>A self-signed certificate for 127.0.0.1 as PEM files, for the server, and its SHA-256 fingerprint, for the client.</summary>
    private sealed class SelfSignedPem : IDisposable
    {
        private readonly string folder = Directory.CreateTempSubdirectory("voice-smtp-tls-").FullName;

        public string CertificatePath => Path.Combine(folder, "cert.pem");

        public string KeyPath => Path.Combine(folder, "key.pem");

        public required string Sha256 { get; init; }

        public static SelfSignedPem Create()
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=mail.test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
            var pem = new SelfSignedPem { Sha256 = Convert.ToHexString(SHA256.HashData(certificate.RawData)) };
            File.WriteAllText(pem.CertificatePath, certificate.ExportCertificatePem());
            File.WriteAllText(pem.KeyPath, key.ExportPkcs8PrivateKeyPem());
            return pem;
        }

        public void Dispose() => Directory.Delete(folder, recursive: true);
    }
}
