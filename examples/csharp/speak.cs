// Speak a text with Voice's native API: a .NET 10 file-based app, nothing to install.
// Submits the text (POST /api/v1/voice/generate -> 202 and a task id), follows the task until it finishes
// (GET /api/v1/task/{id}), then downloads the audio from its signed result_url.
//
//   VOICE_URL=http://localhost:5080 VOICE_API_KEY=$(cat .voice/demo-api-key) dotnet run speak.cs -- "Hello!" hello.mp3
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

string baseUrl = (Environment.GetEnvironmentVariable("VOICE_URL") ?? "http://localhost:5080").TrimEnd('/');
string apiKey = Environment.GetEnvironmentVariable("VOICE_API_KEY")
    ?? throw new InvalidOperationException("Set VOICE_API_KEY (e.g. $(cat .voice/demo-api-key)).");
string text = args.Length > 0 ? args[0] : "Hello from Voice!";
string outPath = args.Length > 1 ? args[1] : "hello.mp3";
var deadline = TimeSpan.FromSeconds(120); // give up on a task that has not finished by then

using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);

// 1. Submit: 202 Accepted with the task's id and status_url (a 429 says how long to wait in Retry-After).
HttpResponseMessage submitted;
while (true)
{
    var body = new JsonObject { ["text"] = text, ["voice"] = "nova", ["language"] = "en", ["format"] = "mp3" };
    submitted = await http.PostAsync($"{baseUrl}/api/v1/voice/generate",
        new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
    if (submitted.StatusCode != HttpStatusCode.TooManyRequests)
    {
        break;
    }
    await Task.Delay(RetryAfter(submitted, TimeSpan.FromSeconds(1)));
}
var accepted = await ReadJsonAsync(submitted);
if (!submitted.IsSuccessStatusCode)
{
    throw new InvalidOperationException($"generate answered {(int)submitted.StatusCode}: {accepted}");
}
string taskId = accepted.GetProperty("task_id").GetString()!;
string statusUrl = accepted.GetProperty("status_url").GetString()!;
Console.Error.WriteLine($"task {taskId} queued");

// 2. Follow the task, a little less often the longer it takes, until it finishes or the deadline passes.
var clock = System.Diagnostics.Stopwatch.StartNew();
var interval = TimeSpan.FromMilliseconds(250);
JsonElement task;
while (true)
{
    using var response = await http.GetAsync(statusUrl);
    task = await ReadJsonAsync(response);
    string? status = response.IsSuccessStatusCode ? task.GetProperty("status").GetString() : null;
    if (status == "completed")
    {
        break;
    }
    if (status is "failed" or "canceled")
    {
        throw new InvalidOperationException($"task {taskId} {status}: {task.GetProperty("error")}");
    }
    if (!response.IsSuccessStatusCode && response.StatusCode is not (HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable))
    {
        throw new InvalidOperationException($"task status answered {(int)response.StatusCode}: {task}");
    }
    var wait = RetryAfter(response, interval);
    if (clock.Elapsed + wait > deadline)
    {
        throw new TimeoutException($"task {taskId} did not finish within {deadline.TotalSeconds} s");
    }
    await Task.Delay(wait);
    interval = TimeSpan.FromMilliseconds(Math.Min(interval.TotalMilliseconds * 1.5, 2000));
}

// 3. Download: result_url is signed (valid for an hour) and needs no key.
using var plain = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
await File.WriteAllBytesAsync(outPath, await plain.GetByteArrayAsync(task.GetProperty("result_url").GetString()));
var result = task.GetProperty("result");
Console.Error.WriteLine($"{outPath}: {result.GetProperty("duration_seconds").GetDouble():0.00} s of {result.GetProperty("format").GetString()}");

static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response) =>
    JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

static TimeSpan RetryAfter(HttpResponseMessage response, TimeSpan fallback) =>
    response.Headers.RetryAfter?.Delta is { } delta && delta > TimeSpan.Zero ? delta : fallback;
