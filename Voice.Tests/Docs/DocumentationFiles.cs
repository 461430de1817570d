using System.Diagnostics;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Docs;

/// <summary>Reads the documentation the way a reader meets it: fenced code blocks under a heading, files of examples/.</summary>
public static class DocumentationFiles
{
    public static string PathOf(string relative) => Path.Combine(RepositoryPaths.Root, relative);

    public static string[] Lines(string relative) => File.ReadAllLines(PathOf(relative));

    /// <summary>The first <paramref name="language"/> code block after the heading that starts with <paramref name="heading"/>.</summary>
    public static string CodeBlock(string relative, string heading, string language)
    {
        var lines = Lines(relative);
        int at = Array.FindIndex(lines, l => l.StartsWith(heading, StringComparison.Ordinal));
        Assert.True(at >= 0, $"{relative} has no heading '{heading}'");
        int start = Array.FindIndex(lines, at, l => l == "```" + language);
        Assert.True(start >= 0, $"{relative} has no ```{language} block after '{heading}'");
        int end = Array.FindIndex(lines, start + 1, l => l == "```");
        return string.Join('\n', lines[(start + 1)..end]) + "\n";
    }

    /// <summary>The commands of a shell block, a command continued with a trailing backslash joined into one line.</summary>
    public static IReadOnlyList<string> Commands(string block)
    {
        var commands = new List<string>();
        string pending = "";
        foreach (string line in block.Split('\n'))
        {
            if (line.EndsWith('\\'))
            {
                pending += line[..^1];
                continue;
            }
            string command = (pending + line).Trim();
            pending = "";
            if (command.Length > 0 && !command.StartsWith('#'))
            {
                commands.Add(command);
            }
        }
        return commands;
    }

    /// <summary>
    /// Runs a documented command to its end and asserts it succeeded; past <paramref name="patience"/> the command and
    /// its children are killed and the test fails with what it printed so far.
    /// </summary>
    public static async Task RunAsync(ProcessStartInfo start, TimeSpan patience)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        string what = $"{start.FileName} {string.Join(' ', start.ArgumentList)}";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(patience);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"{what} did not finish within {patience}:\n{await output}{await errors}");
        }
        Assert.True(process.ExitCode == 0, $"{what} exited {process.ExitCode}:\n{await output}{await errors}");
    }

    /// <summary>A fresh folder under /tmp, deleted with everything in it.</summary>
    public sealed class TemporaryFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("voice-docs-").FullName;

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
