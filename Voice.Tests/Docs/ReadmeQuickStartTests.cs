using System.Diagnostics;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Docs;

/// <summary>
/// The README's quick start, as written: its curl command runs against the test app (only the address and the key
/// file are the test's) and must leave a playable MP3; the commands it promises are the ones at the top.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class ReadmeQuickStartTests(VoiceAppFixture app)
{
    private const string Readme = "README.md";
    private const string QuickStart = "## Quick start";
    private const string DocumentedApi = "http://localhost:5080";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public void TheReadmeStartsWithTheCommandThatRunsAndTheCommandThatTests()
    {
        var lines = DocumentationFiles.Lines(Readme);
        int fence = Array.FindIndex(lines, l => l.StartsWith("```", StringComparison.Ordinal));
        Assert.InRange(fence, 0, 3);
        Assert.StartsWith("./run.sh ", lines[fence + 1], StringComparison.Ordinal);
        Assert.StartsWith("./test.sh ", lines[fence + 2], StringComparison.Ordinal);
        Assert.True(lines.Length <= 150, $"README.md has {lines.Length} lines; the rest belongs in docs/");
    }

    [Fact]
    public void TheQuickStartsFirstCommandPrintsWhatTheReadmeSays()
    {
        var commands = DocumentationFiles.Commands(DocumentationFiles.CodeBlock(Readme, QuickStart, "bash"));
        Assert.Equal(3, commands.Count);
        Assert.StartsWith("./run.sh", commands[0], StringComparison.Ordinal);
        Assert.StartsWith("curl ", commands[1], StringComparison.Ordinal);
        string runScript = File.ReadAllText(DocumentationFiles.PathOf("run.sh"));
        Assert.Contains("Voice is up", runScript, StringComparison.Ordinal);
        Assert.Contains(".voice/demo-api-key", runScript, StringComparison.Ordinal);
        Assert.Contains("hello.mp3", commands[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheQuickStartsCurlWritesPlayableMp3()
    {
        string curl = DocumentationFiles.Commands(DocumentationFiles.CodeBlock(Readme, QuickStart, "bash"))
            .Single(c => c.StartsWith("curl ", StringComparison.Ordinal));
        Assert.Contains(DocumentedApi + "/v1/audio/speech", curl, StringComparison.Ordinal);
        Assert.Contains("$(cat .voice/demo-api-key)", curl, StringComparison.Ordinal);

        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient();
        using var folder = new DocumentationFiles.TemporaryFolder();
        // The key file where run.sh writes it, relative to the folder the command runs in: the command stays verbatim.
        Directory.CreateDirectory(folder.File(".voice"));
        await File.WriteAllTextAsync(folder.File(".voice/demo-api-key"), tenant.ApiKey + "\n");
        string command = curl.Replace(DocumentedApi, api.BaseAddress!.ToString().TrimEnd('/'), StringComparison.Ordinal);

        await DocumentationFiles.RunAsync(new ProcessStartInfo("bash", ["-euo", "pipefail", "-c", command]) { WorkingDirectory = folder.Path }, Patience);

        byte[] audio = await File.ReadAllBytesAsync(folder.File("hello.mp3"));
        Assert.True(IsMp3(audio), "hello.mp3 starts with neither an ID3 tag nor an MPEG audio frame");
        var probe = await AudioTools.ProbeAsync(audio);
        Assert.Equal("mp3", probe.Codec);
        Assert.InRange(probe.Duration, 0.5, 30);
    }

    /// <summary>An ID3v2 tag, or an MPEG audio frame sync (11 set bits), at the start.</summary>
    internal static bool IsMp3(byte[] file) =>
        file.Length > 4 && (file[0] == 'I' && file[1] == 'D' && file[2] == '3' || file[0] == 0xFF && (file[1] & 0xE0) == 0xE0);
}
