using System.Diagnostics;
using MimeKit;

namespace Voice.Tests.Accounts;

/// <summary>
/// A real SMTP server on 127.0.0.1 (aiosmtpd, driven by <c>smtp_server.py</c>): it keeps each accepted message and
/// notes each event (accepted, deferred, rejected, auth ok, auth failed), and can be told to defer the first messages,
/// reject a recipient, require a login or require STARTTLS.
/// </summary>
public sealed class SmtpTestServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

    private readonly Process process;

    private SmtpTestServer(Process process, string folder, int port)
    {
        this.process = process;
        Folder = folder;
        Port = port;
    }

    public string Folder { get; }

    public int Port { get; }

    /// <summary>What happened so far, in order.</summary>
    public IReadOnlyList<string> Events
    {
        get
        {
            string path = Path.Combine(Folder, "events.log");
            return File.Exists(path) ? File.ReadAllLines(path) : [];
        }
    }

    /// <summary>The messages accepted so far, in order.</summary>
    public IReadOnlyList<MimeMessage> Messages =>
        [.. Directory.GetFiles(Folder, "*.eml").Order(StringComparer.Ordinal).Select(path => MimeMessage.Load(path))];

    /// <param name="arguments">Options of <c>smtp_server.py</c>, such as <c>--defer 2</c> or <c>--reject x@example.com</c>.</param>
    public static async Task<SmtpTestServer> StartAsync(params string[] arguments)
    {
        string folder = Directory.CreateTempSubdirectory("voice-smtp-").FullName;
        // The system's Python, which has python3-aiosmtpd, even where another python3 (pyenv, a virtualenv) comes first on PATH.
        var start = new ProcessStartInfo(File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Accounts", "smtp_server.py"));
        start.ArgumentList.Add("--dir");
        start.ArgumentList.Add(folder);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(StartTimeout);
        string? line;
        try
        {
            line = await process.StandardOutput.ReadLineAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            line = null;
        }
        if (!int.TryParse(line, out int port))
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"The SMTP test server did not start within {StartTimeout.TotalSeconds} s (is python3-aiosmtpd installed?): {await errors}");
        }
        return new SmtpTestServer(process, folder, port);
    }

    /// <summary>Waits until <paramref name="count"/> messages have arrived, or fails after <paramref name="timeout"/>.</summary>
    public async Task<IReadOnlyList<MimeMessage>> WaitForMessagesAsync(int count, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (Directory.GetFiles(Folder, "*.eml").Length < count)
        {
            Assert.True(deadline.Elapsed < timeout, $"{count} message(s) did not arrive within {timeout.TotalSeconds} s; events: {string.Join(", ", Events)}");
            await Task.Delay(50);
        }
        return Messages;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.StandardInput.Close(); // the server exits when its input closes
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        process.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}
