using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Voice.ApiService.Submissions;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Api;

/// <summary>
/// OpenAI's official Python client (the <c>openai</c> package 3.x, from Debian sid; tools/openai-python/fetch.sh)
/// against the running platform: a dated model and a newer voice, the object form of voice with another server's
/// field (ignored and named in a header) streamed to a file, and a refusal raised as the client's own error type.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class OpenAiPythonClientTests(VoiceAppFixture app)
{
    private const string Script = """
        import os, openai
        client = openai.OpenAI(base_url=os.environ["VOICE_API_URL"] + "/v1", api_key=os.environ["VOICE_API_KEY"])
        speech = client.audio.speech.create(model="gpt-4o-mini-tts-2025-03-20", voice="marin",
                                            input="The quick brown fox jumps over the lazy dog.", response_format="wav")
        open("marin.wav", "wb").write(speech.content)
        with client.audio.speech.with_streaming_response.create(
                model="tts-1-hd-1106", voice={"id": "cedar"}, input="Streamed from the official client, piece by piece.",
                response_format="pcm", extra_body={"task_type": "CustomVoice", "language": "English"}) as response:
            print("ignored=" + response.headers.get("x-voice-ignored-fields", ""))
            print("task=" + response.headers.get("x-task-id", ""))
            response.stream_to_file("cedar.pcm")
        try:
            client.audio.speech.create(model="tts-1", voice="nobody-by-that-name", input="Hello.")
        except openai.BadRequestError as error:
            print("refused=" + str(error.status_code))
        """;

    [Fact]
    public async Task TheOfficialPythonClientSpeaksAndStreamsWithTheObjectVoiceADatedModelAndAnUnknownField()
    {
        string site = Path.Combine(RepositoryPaths.Root, "tools", "openai-python", "site");
        Assert.True(Directory.Exists(Path.Combine(site, "openai")), "OpenAI's Python client is missing: run tools/openai-python/fetch.sh (tools/install-deps.sh does)");
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        string folder = Directory.CreateTempSubdirectory("voice-openai-python-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "speak.py"), Script);
            // The system's Python, which has python3-pydantic, even where another python3 comes first on PATH.
            var start = new ProcessStartInfo(File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3", ["speak.py"]) { WorkingDirectory = folder };
            start.Environment["PYTHONPATH"] = site;
            start.Environment["VOICE_API_URL"] = api.BaseAddress!.ToString().TrimEnd('/');
            start.Environment["VOICE_API_KEY"] = tenant.ApiKey;
            var result = await Processes.RunAsync(start, TimeSpan.FromSeconds(90));
            Assert.True(result.Code == 0, $"python exited {result.Code}:\n{result.All}");

            var marin = await AudioTools.ProbeAsync(await File.ReadAllBytesAsync(Path.Combine(folder, "marin.wav")));
            Assert.Equal("pcm_s16le", marin.Codec);
            Assert.InRange(marin.Duration, 1.0, 8.0);
            long streamed = new FileInfo(Path.Combine(folder, "cedar.pcm")).Length;
            Assert.InRange(streamed / 2.0 / 24_000, 1.0, 10.0);
            var output = result.All.Split('\n').Select(l => l.Trim()).ToList();
            Assert.Contains("ignored=task_type", output);
            Assert.Contains("refused=400", output);
            string taskId = output.Single(l => l.StartsWith("task=", StringComparison.Ordinal))["task=".Length..];
            var task = await api.GetFromJsonAsync<JsonElement>($"/api/v1/task/{taskId}");
            Assert.Equal("cedar", task.GetProperty("request").GetProperty("voice").GetString());
            Assert.Equal("completed", task.GetProperty("status").GetString());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
