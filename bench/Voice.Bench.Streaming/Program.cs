using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using HdrHistogram;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Voice.Speech.Engines;
using Voice.Speech.Espeak;

// Time to first audio byte and total time of POST /v1/audio/speech (mp3, 300 characters, embedded engine) on
// the whole platform — the real AppHost with local Postgres, Redis and Azurite, API, worker — one request at a
// time, then 10 and 50 streams at once, then one at a time behind a backlog of the same tenant's async jobs (the
// live lane's test: without it, a stream would wait for the whole backlog). The peer: the engine alone, in this
// process, making the same text's first sentence and all of it. Then the speech socket (RealtimeLatency.cs): one
// complete sentence sent → its first audio, 1 and 20 sockets at once, beside POST /v1/audio/speech of that sentence.
//   dotnet run -c Release --project bench/Voice.Bench.Streaming [-- sequential-requests concurrent-rounds worker-slots backlog-jobs live-jobs]
int sequential = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 40;
int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
string workerSlots = args.Length > 2 ? args[2] : "2"; // Worker:Concurrency
int backlog = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 200;
string liveJobs = args.Length > 4 ? args[4] : "64"; // Worker:LiveJobs (0: a live job holds a slot for its whole length, as before sentence turns)
int[] streamCounts = [10, 50];

string Secret() => RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 48);
string adminToken = Secret();
string state = Path.Combine("/var/tmp/voice", "bench-" + Guid.NewGuid().ToString("N")[..12]);
var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Voice_AppHost>(
[
    "VOICE_LOCAL_INFRA=true", $"VOICE_STATE_DIR={state}", "VOICE_API_PORT=0", "VOICE_WEB_PORT=0",
    $"VOICE_ADMIN_TOKEN={adminToken}", $"Parameters:master-key={Secret()}", $"Parameters:redis-password={Secret()}",
    $"Parameters:postgres-password={Secret()}", $"Parameters:voicedb-app-password={Secret()}", $"Parameters:voicedb-admin-password={Secret()}",
    "Logging:LogLevel:Default=Warning", $"Worker:Concurrency={workerSlots}", $"Worker:LiveJobs={liveJobs}",
]);
builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Error));
await using var app = await builder.BuildAsync();
await app.StartAsync();
foreach (var service in new[] { "api", "worker" })
{
    await app.ResourceNotifications.WaitForResourceHealthyAsync(service);
}

using var http = app.CreateHttpClient("api", "http");
http.Timeout = TimeSpan.FromMinutes(5);
using var operators = app.CreateHttpClient("api", "admin"); // the admin API answers only on the admin listener
operators.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
using var created = await operators.PostAsJsonAsync("/admin/v1/tenants", new { slug = "bench", name = "Bench", plan = "enterprise" });
if (!created.IsSuccessStatusCode)
{
    throw new InvalidOperationException($"tenant: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
}
var tenant = await created.Content.ReadFromJsonAsync<JsonElement>();
var key = await (await operators.PostAsJsonAsync($"/admin/v1/tenants/{tenant.GetProperty("id").GetString()}/keys", new { name = "bench" })).Content.ReadFromJsonAsync<JsonElement>();
http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key.GetProperty("key").GetString());

string input = string.Concat(Enumerable.Repeat("The platform streams speech as soon as the first sentence is made. ", 5))[..300];

// The peer: the embedded engine alone (no HTTP, queue, encoding, storage), the same text and voice.
var engine = new EspeakEngine();
await engine.WarmUpAsync(CancellationToken.None);
var engineVoice = await engine.CreateVoiceAsync(new PresetVoiceSpec("alloy", "en"), CancellationToken.None);
var engineFirst = new List<double>();
var engineTotal = new List<double>();
for (int i = 0; i < 20; i++)
{
    long started = Stopwatch.GetTimestamp();
    double? first = null;
    await foreach (var chunk in engine.SynthesizeAsync(new SynthesisRequest(input, "en", engineVoice), CancellationToken.None))
    {
        first ??= Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }
    engineFirst.Add(first ?? double.NaN);
    engineTotal.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
}
double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

async Task<(double FirstByte, double Total)> SpeakAsync()
{
    long start = Stopwatch.GetTimestamp();
    using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/audio/speech")
    {
        Content = JsonContent.Create(new { model = "tts-1", input, voice = "alloy", response_format = "mp3" }),
    };
    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    response.EnsureSuccessStatusCode();
    await using var body = await response.Content.ReadAsStreamAsync();
    var buffer = new byte[16 * 1024];
    int read = await body.ReadAsync(buffer);
    double first = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    long bytes = read;
    while ((read = await body.ReadAsync(buffer)) > 0)
    {
        bytes += read;
    }
    if (bytes < 1000)
    {
        throw new InvalidOperationException($"only {bytes} bytes of audio");
    }
    return (first, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
}

for (int i = 0; i < 5; i++)
{
    await SpeakAsync(); // warm-up: JIT, connections, the engine
}
var seqFirst = new LongHistogram(600_000_000, 3);
var seqTotal = new LongHistogram(600_000_000, 3);
for (int i = 0; i < sequential; i++)
{
    var (first, total) = await SpeakAsync();
    seqFirst.RecordValue((long)(first * 1000));
    seqTotal.RecordValue((long)(total * 1000));
}
var concurrent = new List<object>();
foreach (int streams in streamCounts)
{
    var conFirst = new LongHistogram(600_000_000, 3);
    var conTotal = new LongHistogram(600_000_000, 3);
    for (int round = 0; round < rounds; round++)
    {
        foreach (var (first, total) in await Task.WhenAll(Enumerable.Range(0, streams).Select(_ => SpeakAsync())))
        {
            conFirst.RecordValue((long)(first * 1000));
            conTotal.RecordValue((long)(total * 1000));
        }
    }
    concurrent.Add(new { streams, rounds, first_byte_p50_ms = Ms(conFirst, 50), first_byte_p99_ms = Ms(conFirst, 99), total_p50_ms = Ms(conTotal, 50), total_p99_ms = Ms(conTotal, 99) });
}
// Four tenants share the 20 sockets (one tenant holds at most 16 sockets on a server).
var socketKeys = new List<string> { key.GetProperty("key").GetString()! };
{
    var admin = operators;
    for (int i = 1; i < 4; i++)
    {
        var other = await (await admin.PostAsJsonAsync("/admin/v1/tenants", new { slug = $"bench-{i}", name = $"Bench {i}", plan = "enterprise" })).Content.ReadFromJsonAsync<JsonElement>();
        var otherKey = await (await admin.PostAsJsonAsync($"/admin/v1/tenants/{other.GetProperty("id").GetString()}/keys", new { name = "bench" })).Content.ReadFromJsonAsync<JsonElement>();
        socketKeys.Add(otherKey.GetProperty("key").GetString()!);
    }
}
var realtime = await RealtimeLatency.MeasureAsync(http, socketKeys, rounds: Math.Max(rounds, 5));
// Behind a backlog: the tenant queues async jobs, then streams 10 requests one after another while they drain.
var backFirst = new LongHistogram(600_000_000, 3);
var backTotal = new LongHistogram(600_000_000, 3);
long drainStart = Stopwatch.GetTimestamp();
for (int i = 0; i < backlog; i++)
{
    (await http.PostAsJsonAsync("/api/v1/voice/generate", new { text = input, format = "mp3" })).EnsureSuccessStatusCode();
}
for (int i = 0; i < 10; i++)
{
    var (first, total) = await SpeakAsync();
    backFirst.RecordValue((long)(first * 1000));
    backTotal.RecordValue((long)(total * 1000));
}
while ((await http.GetFromJsonAsync<JsonElement>("/api/v1/usage/quota")).GetProperty("active_jobs").GetInt32() > 0)
{
    await Task.Delay(100);
}
double drainSeconds = Stopwatch.GetElapsedTime(drainStart).TotalSeconds;
await app.StopAsync();
try
{
    Directory.Delete(state, recursive: true);
}
catch (IOException)
{
}

double Ms(LongHistogram h, double p) => h.GetValueAtPercentile(p) / 1000.0;
var result = new
{
    input_characters = input.Length,
    worker_slots = workerSlots,
    live_jobs = liveJobs,
    format = "mp3",
    engine_alone = new { runs = engineFirst.Count, first_chunk_median_ms = Median(engineFirst), total_median_ms = Median(engineTotal) },
    sequential = new { requests = sequential, first_byte_p50_ms = Ms(seqFirst, 50), first_byte_p99_ms = Ms(seqFirst, 99), total_p50_ms = Ms(seqTotal, 50), total_p99_ms = Ms(seqTotal, 99) },
    concurrent,
    realtime,
    behind_backlog = new { backlog_jobs = backlog, requests = 10, first_byte_p50_ms = Ms(backFirst, 50), first_byte_p99_ms = Ms(backFirst, 99), total_p50_ms = Ms(backTotal, 50),
        total_p99_ms = Ms(backTotal, 99), backlog_drained_s = drainSeconds },
};
string json = JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true });
Console.WriteLine(json);
var root = new DirectoryInfo(AppContext.BaseDirectory);
while (root is not null && !File.Exists(Path.Combine(root.FullName, "Voice.sln")))
{
    root = root.Parent;
}
string results = Path.Combine(root?.FullName ?? ".", "bench", "results");
Directory.CreateDirectory(results);
await File.WriteAllTextAsync(Path.Combine(results, $"streaming-{DateTime.UtcNow:yyyyMMdd-HHmmss}.json"), json);
