using System.Diagnostics;

namespace Voice.Tests.Infrastructure;

/// <summary>Runs a command line tool to its end (or a deadline) and keeps what it printed, whatever its exit code.</summary>
public static class Processes
{
    public sealed record Result(int Code, string Output, string Errors)
    {
        public string All => Output + Errors;
    }

    public static async Task<Result> RunAsync(ProcessStartInfo start, TimeSpan timeout)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(deadline.Token);
        return new Result(process.ExitCode, await output, await errors);
    }

    public static Task<Result> RunAsync(string program, string[] args, TimeSpan timeout) => RunAsync(new ProcessStartInfo(program, args), timeout);
}
