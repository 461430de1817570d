using System.Diagnostics;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Docs;

/// <summary>
/// examples/'s native API clients (Python with the standard library, JavaScript with Node's fetch, C# as a file-based
/// app), run as a reader would against the test app: each submits, follows the task and downloads an MP3.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class NativeExamplesTests(VoiceAppFixture app)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(150);
    /// <summary>dotnet run compiles the file first; on a loaded two-core machine that alone takes a minute or more.</summary>
    private static readonly TimeSpan CompileAndRunPatience = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task ThePythonExampleSpeaksAndDownloads()
    {
        using var folder = new DocumentationFiles.TemporaryFolder();
        string python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        await RunAsync(folder, new ProcessStartInfo(python, [DocumentationFiles.PathOf("examples/python/speak.py"), "Hello from the Python example.", folder.File("out.mp3")]), Patience);
        await AssertMp3Async(folder.File("out.mp3"));
    }

    [Fact]
    public async Task TheJavaScriptExampleSpeaksAndDownloads()
    {
        using var folder = new DocumentationFiles.TemporaryFolder();
        await RunAsync(folder, new ProcessStartInfo("node", [DocumentationFiles.PathOf("examples/javascript/speak.mjs"), "Hello from the JavaScript example.", folder.File("out.mp3")]), Patience);
        await AssertMp3Async(folder.File("out.mp3"));
    }

    [Fact]
    public async Task TheCSharpExampleSpeaksAndDownloads()
    {
        using var folder = new DocumentationFiles.TemporaryFolder();
        var start = new ProcessStartInfo("dotnet", ["run", "speak.cs", "--", "Hello from the C# example.", folder.File("out.mp3")])
        {
            WorkingDirectory = DocumentationFiles.PathOf("examples/csharp"),
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        await RunAsync(folder, start, CompileAndRunPatience);
        await AssertMp3Async(folder.File("out.mp3"));
    }

    private async Task RunAsync(DocumentationFiles.TemporaryFolder folder, ProcessStartInfo start, TimeSpan patience)
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient();
        if (string.IsNullOrEmpty(start.WorkingDirectory))
        {
            start.WorkingDirectory = folder.Path;
        }
        start.Environment["VOICE_URL"] = api.BaseAddress!.ToString().TrimEnd('/');
        start.Environment["VOICE_API_KEY"] = tenant.ApiKey;
        await DocumentationFiles.RunAsync(start, patience);
    }

    private static async Task AssertMp3Async(string path)
    {
        Assert.True(File.Exists(path), $"the example wrote no {Path.GetFileName(path)}");
        byte[] audio = await File.ReadAllBytesAsync(path);
        Assert.True(ReadmeQuickStartTests.IsMp3(audio), "the file starts with neither an ID3 tag nor an MPEG audio frame");
        var probe = await AudioTools.ProbeAsync(audio);
        Assert.Equal("mp3", probe.Codec);
        Assert.InRange(probe.Duration, 0.5, 30);
    }
}
