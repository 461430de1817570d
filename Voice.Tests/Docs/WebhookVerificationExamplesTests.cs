using System.Diagnostics;
using System.Text;
using Voice.Core.Webhooks;
using Voice.Examples;

namespace Voice.Tests.Docs;

/// <summary>
/// The webhook verification functions of examples/ (and docs/webhooks.md, which shows them) against a delivery signed
/// by the platform's own <see cref="WebhookSender.Sign"/>: each accepts it, and refuses a changed body, an old
/// timestamp and another secret.
/// </summary>
public sealed class WebhookVerificationExamplesTests
{
    private const string Secret = "whsec_Tq8xQ2mV7cR4nL9kP3sW6yB1dF5hJ0gZ";
    private const string Body = """{"id":"0193f1c2-7b1e-7c2a-9a51-3a6f1a0c7e21","type":"task.completed","data":{"status":"completed","text":"Grüße — 你好 🎧"}}""";
    private const string Tampered = """{"id":"0193f1c2-7b1e-7c2a-9a51-3a6f1a0c7e21","type":"task.completed","data":{"status":"completed","text":"Grüße — 你好 🎧 "}}""";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Each case: the signature's age in seconds, the secret that signed, the body received; whether it should pass.</summary>
    private static readonly (string Name, long Age, string SignedWith, string Received, bool Valid)[] Cases =
    [
        ("fresh", 0, Secret, Body, true),
        ("a minute old", 60, Secret, Body, true),
        ("changed body", 0, Secret, Tampered, false),
        ("ten minutes old", 600, Secret, Body, false),
        ("from the future", -600, Secret, Body, false),
        ("another secret", 0, "whsec_somebodyElse0000000000000000", Body, false),
    ];

    private static string Header(long now, (string Name, long Age, string SignedWith, string Received, bool Valid) c) =>
        WebhookSender.Sign(Encoding.UTF8.GetBytes(c.SignedWith), now - c.Age, Body);

    [Fact]
    public void TheCSharpExampleAcceptsTheSignersSignatureOnly()
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var c in Cases)
        {
            bool valid = WebhookSignature.Verify(Secret, Header(now.ToUnixTimeSeconds(), c), Encoding.UTF8.GetBytes(c.Received), now);
            Assert.True(valid == c.Valid, $"{c.Name}: Verify answered {valid}");
        }
        Assert.False(WebhookSignature.Verify(Secret, "garbage", Encoding.UTF8.GetBytes(Body), now));
        Assert.False(WebhookSignature.Verify(Secret, null, Encoding.UTF8.GetBytes(Body), now));
    }

    [Fact]
    public async Task ThePythonExampleAcceptsTheSignersSignatureOnly()
    {
        string python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        await AssertVerdictsAsync(python, "check.py", """
            import json, sys
            sys.path.insert(0, sys.argv[1])
            from verify_webhook import verify_webhook
            for case in json.load(open("cases.json", encoding="utf-8")):
                body = open(case["file"], "rb").read()
                print(verify_webhook(case["secret"], case["header"], body, now=case["now"]))
            print(verify_webhook("whsec_x", "garbage", b"{}"))
            """, DocumentationFiles.PathOf("examples/python"));
    }

    [Fact]
    public async Task TheJavaScriptExampleAcceptsTheSignersSignatureOnly()
    {
        string module = new Uri(DocumentationFiles.PathOf("examples/javascript/verify-webhook.mjs")).AbsoluteUri;
        await AssertVerdictsAsync("node", "check.mjs", $$"""
            import { readFileSync } from "node:fs";
            import { verifyWebhook } from "{{module}}";
            for (const c of JSON.parse(readFileSync("cases.json", "utf8"))) {
              console.log(verifyWebhook(c.secret, c.header, readFileSync(c.file), c.now) ? "True" : "False");
            }
            console.log(verifyWebhook("whsec_x", "garbage", "{}") ? "True" : "False");
            """);
    }

    [Theory]
    [InlineData("### Python", "python", "examples/python/verify_webhook.py")]
    [InlineData("### JavaScript", "js", "examples/javascript/verify-webhook.mjs")]
    [InlineData("### C#", "csharp", "examples/csharp/WebhookSignature.cs")]
    public void TheWebhookGuideShowsTheTestedCode(string heading, string language, string example)
    {
        string shown = DocumentationFiles.CodeBlock("docs/webhooks.md", heading, language);
        Assert.Equal(File.ReadAllText(DocumentationFiles.PathOf(example)).ReplaceLineEndings("\n").TrimEnd() + "\n", shown);
    }

    /// <summary>Runs a checker that prints True/False per case (then one for a malformed header) and compares.</summary>
    private static async Task AssertVerdictsAsync(string program, string script, string source, params string[] args)
    {
        using var folder = new DocumentationFiles.TemporaryFolder();
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var cases = new List<object>();
        for (int i = 0; i < Cases.Length; i++)
        {
            string file = $"body-{i}.json";
            await File.WriteAllBytesAsync(folder.File(file), Encoding.UTF8.GetBytes(Cases[i].Received));
            cases.Add(new { secret = Secret, header = Header(now, Cases[i]), file, now });
        }
        await File.WriteAllTextAsync(folder.File("cases.json"), System.Text.Json.JsonSerializer.Serialize(cases));
        await File.WriteAllTextAsync(folder.File(script), source);
        var start = new ProcessStartInfo(program, [script, .. args]) { WorkingDirectory = folder.Path };
        start.Environment["PYTHONDONTWRITEBYTECODE"] = "1"; // leave no __pycache__ in examples/
        string output = await RunForOutputAsync(start);
        string[] verdicts = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal([.. Cases.Select(c => c.Valid ? "True" : "False"), "False"], verdicts);
    }

    private static async Task<string> RunForOutputAsync(ProcessStartInfo start)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(Patience);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{start.FileName} did not finish within {Patience}");
        }
        Assert.True(process.ExitCode == 0, $"{start.FileName} exited {process.ExitCode}:\n{await output}{await errors}");
        return await output;
    }
}
