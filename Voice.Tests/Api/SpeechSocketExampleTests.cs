using System.Diagnostics;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Api;

/// <summary>
/// docs/realtime.md's client examples, as written there, against the running platform: the Python one (python3 and
/// the websockets package), the Node one (the ws package, tools/realtime-examples) and the browser's <c>speak</c>
/// (Node's standard WebSocket). Each takes the API's address and key from the environment and writes its audio to a
/// file, which must hold seconds of speech.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class SpeechSocketExampleTests(VoiceAppFixture app)
{
    private const int BytesPerSecond = 24_000 * 2; // 24 kHz, 16-bit, mono
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task ThePythonExampleWritesTheAudio()
    {
        using var folder = new TemporaryFolder();
        File.WriteAllText(Path.Combine(folder.Path, "example.py"), CodeBlock("## Python", "python"));
        // The system's Python, which has the websockets package that tools/install-deps.sh installs (python3-websockets),
        // even where another python3 (pyenv, a virtualenv) comes first on PATH.
        await RunAsync(folder, File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3", "example.py");
        AssertAudio(folder, minimumSeconds: 2);
    }

    [Fact]
    public async Task TheNodeExampleWritesTheAudio()
    {
        using var folder = new TemporaryFolder();
        File.WriteAllText(Path.Combine(folder.Path, "example.mjs"), CodeBlock("## JavaScript on a server", "js"));
        // The example imports "ws": resolved from the folder's node_modules, as in a project that installed it.
        File.CreateSymbolicLink(Path.Combine(folder.Path, "node_modules"), Path.Combine(RepositoryPaths.Root, "tools", "realtime-examples", "node_modules"));
        await RunAsync(folder, "node", "example.mjs");
        AssertAudio(folder, minimumSeconds: 1);
    }

    [Fact]
    public async Task TheBrowserExamplesSpeakWritesTheAudio()
    {
        using var folder = new TemporaryFolder();
        File.WriteAllText(Path.Combine(folder.Path, "speak.mjs"), CodeBlock("## JavaScript in a browser", "js"));
        File.WriteAllText(Path.Combine(folder.Path, "run.mjs"), """
            import { writeFileSync } from "node:fs";
            import { speak } from "./speak.mjs";
            const chunks = [];
            const usage = await speak(process.env.VOICE_API_URL, process.env.VOICE_API_KEY, "Hello from the browser. This is the first message authentication.", (pcm) => chunks.push(pcm));
            writeFileSync("out.pcm", Buffer.concat(chunks));
            console.log(usage);
            """);
        await RunAsync(folder, "node", "--experimental-websocket", "--no-warnings", "run.mjs");
        AssertAudio(folder, minimumSeconds: 2);
    }

    /// <summary>The first <paramref name="language"/> code block after the heading that starts with <paramref name="heading"/>.</summary>
    private static string CodeBlock(string heading, string language)
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, "docs", "realtime.md"));
        int at = Array.FindIndex(lines, l => l.StartsWith(heading, StringComparison.Ordinal));
        Assert.True(at >= 0, $"docs/realtime.md has no heading '{heading}'");
        int start = Array.FindIndex(lines, at, l => l == "```" + language) + 1;
        int end = Array.FindIndex(lines, start, l => l == "```");
        return string.Join('\n', lines[start..end]) + "\n";
    }

    private async Task RunAsync(TemporaryFolder folder, string program, params string[] args)
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient();
        var start = new ProcessStartInfo(program, args) { WorkingDirectory = folder.Path };
        start.Environment["VOICE_API_URL"] = api.BaseAddress!.ToString().TrimEnd('/');
        start.Environment["VOICE_API_KEY"] = tenant.ApiKey;
        var result = await Processes.RunAsync(start, Patience);
        Assert.True(result.Code == 0, $"{program} {string.Join(' ', args)} exited {result.Code}:\n{result.All}");
    }

    private static void AssertAudio(TemporaryFolder folder, int minimumSeconds)
    {
        var audio = new FileInfo(Path.Combine(folder.Path, "out.pcm"));
        Assert.True(audio.Exists, "the example wrote no out.pcm");
        Assert.InRange(audio.Length, minimumSeconds * BytesPerSecond, 60 * BytesPerSecond);
        Assert.Equal(0, audio.Length % 2); // whole 16-bit samples
    }

    private sealed class TemporaryFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("voice-example-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
