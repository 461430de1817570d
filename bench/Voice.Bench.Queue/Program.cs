// Queue round-trip benchmark: Voice's queue (Postgres ledger + Redis lanes) against BullMQ on the same Redis.
// One job = submit (ledger insert + enqueue) → pick → claim → complete (status + usage + outbox) → acknowledge,
// with a no-op engine and no audio storage: what is measured is the platform's bookkeeping, not speech.
//   dotnet run -c Release --project bench/Voice.Bench.Queue -- [burst jobs] [paced rate/s] [paced seconds] [consumers]
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HdrHistogram;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;
using Voice.Bench.Queue;
using Voice.Core.Database;
using Voice.Core.Hosting;
using Voice.Core.Jobs;
using Voice.Core.Webhooks;

int burstJobs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
int pacedRate = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1_000;
int pacedSeconds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 10;
int consumers = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 16;
const int Tenants = 10;
const int BatchSize = 16; // the null engine's batch size, as a worker slot would take

string root = FindRepositoryRoot();
await using var servers = await LocalServers.StartAsync(root);
Console.WriteLine($"redis :{servers.RedisPort}, postgres :{servers.PostgresPort}; burst {burstJobs} jobs, paced {pacedRate}/s × {pacedSeconds} s, {consumers} consumers");

// Schema and roles exactly as the API sets them up, then the services' own role for the run.
var owner = NpgsqlDataSource.Create(servers.OwnerConnectionString);
await new DatabaseMigrator(owner, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
if (Environment.GetEnvironmentVariable("VOICE_BENCH_PROFILE") == "1")
{
    await using var extension = owner.CreateCommand("create extension if not exists pg_stat_statements");
    await extension.ExecuteNonQueryAsync();
}
string appConnection = new NpgsqlConnectionStringBuilder(servers.OwnerConnectionString) { Username = "voice_app", Password = "bench-" + servers.PostgresPassword, MaxAutoPrepare = 64, AutoPrepareMinUsages = 2 }.ConnectionString;
await DatabaseRoles.EnableLoginAsync(owner, DatabaseRoles.App, appConnection, CancellationToken.None);
var tenants = new List<Guid>();
for (int i = 0; i < Tenants; i++)
{
    await using var insert = owner.CreateCommand("insert into tenants (id, slug, name) values ($1, $2, 'bench') ");
    var id = Guid.CreateVersion7();
    insert.Parameters.Add(new() { Value = id });
    insert.Parameters.Add(new() { Value = $"bench-{i}" });
    await insert.ExecuteNonQueryAsync();
    tenants.Add(id);
}

var redis = await ConnectionMultiplexer.ConnectAsync(servers.RedisConnectionString);
var database = new TenantDatabase(NpgsqlDataSource.Create(appConnection));
var jobs = new JobStore(database, new JobEvents(redis), new WebhookSchedule(redis), TimeProvider.System, NullLogger<JobStore>.Instance);
var queue = new JobQueue(redis, Options.Create(new QueueOptions()));
const string Pool = "bench";
await using var submitter = new JobSubmitter(jobs, queue, NullLogger<JobSubmitter>.Instance);

var voiceBurst = await RunVoiceAsync(burstJobs, schedule: null);
Console.WriteLine($"voice  burst: {Describe(voiceBurst)}");
var voicePaced = await RunVoiceAsync(pacedRate * pacedSeconds, schedule: i => TimeSpan.FromSeconds(i / (double)pacedRate));
Console.WriteLine($"voice  paced: {Describe(voicePaced)}");

if (Environment.GetEnvironmentVariable("VOICE_BENCH_PROFILE") == "1")
{
    await using var top = owner.CreateCommand("""
        select calls, round(total_exec_time)::bigint, round(total_plan_time)::bigint, left(regexp_replace(query, '\s+', ' ', 'g'), 90)
        from pg_stat_statements order by total_exec_time + total_plan_time desc limit 12
        """);
    await using var rows = await top.ExecuteReaderAsync();
    while (await rows.ReadAsync())
    {
        Console.WriteLine($"{rows.GetInt64(0),8} calls {rows.GetInt64(1),7} ms exec {rows.GetInt64(2),6} ms plan  {rows.GetString(3)}");
    }
}
await redis.GetServers()[0].FlushDatabaseAsync();
var bullmq = await RunBullMqAsync();
Console.WriteLine($"bullmq burst: {Describe(bullmq.Burst)}");
Console.WriteLine($"bullmq paced: {Describe(bullmq.Paced)}");
Console.WriteLine($"ratio voice/bullmq burst throughput: {voiceBurst.JobsPerSecond / bullmq.Burst.JobsPerSecond:F2}; paced p99: {voicePaced.P99 / bullmq.Paced.P99:F2}");

string results = Path.Combine(root, "bench", "results", $"queue-{DateTime.UtcNow:yyyyMMdd-HHmmss}.json");
Directory.CreateDirectory(Path.GetDirectoryName(results)!);
await File.WriteAllTextAsync(results, JsonSerializer.Serialize(new { burstJobs, pacedRate, pacedSeconds, consumers, voiceBurst, voicePaced, bullmq }, new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine($"results: {results}");
return;

// Submitters enqueue (all at once, or each job at its scheduled instant); consumers run the worker's path.
async Task<Result> RunVoiceAsync(int count, Func<int, TimeSpan>? schedule)
{
    var due = new ConcurrentDictionary<Guid, long>();
    var doneAt = new ConcurrentDictionary<Guid, long>();
    var histogram = new LongConcurrentHistogram(1, TimeStamp.Seconds(120), 3);
    int completed = 0;
    var finished = new TaskCompletionSource();
    using var stop = new CancellationTokenSource();
    var start = Stopwatch.GetTimestamp();

    // Each consumer does what a worker slot does with a batch-capable no-op engine: pick, claim, complete, acknowledge.
    var consumerTasks = Enumerable.Range(0, consumers).Select(c => Task.Run(async () =>
    {
        string name = $"bench-{c}";
        while (!stop.IsCancellationRequested)
        {
            var entries = await queue.PickManyAsync(Pool, name, BatchSize);
            if (entries.Count == 0)
            {
                await Task.Delay(1);
                continue;
            }
            var claims = await jobs.ClaimManyAsync(await queue.ClaimManyAsync(entries), 3, CancellationToken.None);
            await jobs.CompleteManyAsync([.. claims.Where(c => c.Job is not null)
                .Select(c => new Completion(c.Job!, "null", "none", new JobResult("bench", 0, 1000, 24_000), 0))], CancellationToken.None);
            await queue.AcknowledgeManyAsync(entries);
            long now = Stopwatch.GetTimestamp();
            foreach (var entry in entries)
            {
                doneAt[entry.JobId] = now;
            }
            if (Interlocked.Add(ref completed, entries.Count) == count)
            {
                finished.TrySetResult();
            }
        }
    })).ToList();

    int next = -1;
    var producers = Enumerable.Range(0, 64).Select(_ => Task.Run(async () =>
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < count)
        {
            long intended = start;
            if (schedule is not null)
            {
                intended = start + (long)(schedule(i).TotalSeconds * Stopwatch.Frequency);
                var wait = TimeSpan.FromSeconds((intended - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);
                if (wait > TimeSpan.FromMilliseconds(1))
                {
                    await Task.Delay(wait);
                }
            }
            // The API's submit path: admission against the plan's limits (a monthly quota, a concurrency cap that
            // the burst never reaches) + group-committed ledger row + enqueue.
            var tenant = tenants[i % tenants.Count];
            var admission = new JobAdmission(JobAdmission.PeriodOf(DateTimeOffset.UtcNow), 1_000_000, 100_000_000, null);
            var submit = submitter.SubmitAsync(new NewJob(tenant, new JobSpec("Benchmark job.", "en", "alloy", "wav"), null, Environment.GetEnvironmentVariable("VOICE_BENCH_NO_ADMISSION") == "1" ? null : admission, Pool: Pool), 1);
            var job = await submit;
            due[job.Id] = intended; // latency from the intended arrival: no coordinated omission
        }
    })).ToList();

    await Task.WhenAll(producers);
    await finished.Task;
    double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
    await stop.CancelAsync();
    await Task.WhenAll(consumerTasks);
    foreach (var (id, at) in doneAt)
    {
        histogram.RecordValue(at - due[id]);
    }
    double Ms(double percentile) => histogram.GetValueAtPercentile(percentile) * 1000.0 / Stopwatch.Frequency;
    return new Result(count, seconds, count / seconds, Ms(50), Ms(90), Ms(99), histogram.GetMaxValue() * 1000.0 / Stopwatch.Frequency);
}

async Task<(Result Burst, Result Paced)> RunBullMqAsync()
{
    string directory = Path.Combine(root, "bench", "bullmq");
    if (!Directory.Exists(Path.Combine(directory, "node_modules")))
    {
        using var install = Process.Start(new ProcessStartInfo("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"]) { WorkingDirectory = directory })!;
        await install.WaitForExitAsync();
    }
    var start = new ProcessStartInfo("node", ["bench.mjs", servers.RedisPort.ToString(CultureInfo.InvariantCulture), burstJobs.ToString(CultureInfo.InvariantCulture),
        pacedRate.ToString(CultureInfo.InvariantCulture), pacedSeconds.ToString(CultureInfo.InvariantCulture), consumers.ToString(CultureInfo.InvariantCulture)])
    {
        WorkingDirectory = directory,
        RedirectStandardOutput = true,
    };
    using var node = Process.Start(start)!;
    string output = await node.StandardOutput.ReadToEndAsync();
    await node.WaitForExitAsync();
    var json = JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
    Result Read(JsonElement e) => new(e.GetProperty("jobs").GetInt32(), e.GetProperty("seconds").GetDouble(), e.GetProperty("jobsPerSecond").GetDouble(),
        e.GetProperty("p50").GetDouble(), e.GetProperty("p90").GetDouble(), e.GetProperty("p99").GetDouble(), e.GetProperty("max").GetDouble());
    return (Read(json.GetProperty("burst")), Read(json.GetProperty("paced")));
}

static string Describe(Result r) =>
    string.Create(CultureInfo.InvariantCulture, $"{r.Jobs} jobs in {r.Seconds:F2} s = {r.JobsPerSecond:F0} jobs/s; latency p50 {r.P50:F1} ms, p90 {r.P90:F1} ms, p99 {r.P99:F1} ms, max {r.Max:F1} ms");

static string FindRepositoryRoot()
{
    var directory = new DirectoryInfo(AppContext.BaseDirectory);
    while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Voice.sln")))
    {
        directory = directory.Parent;
    }
    return directory?.FullName ?? throw new InvalidOperationException("Run from inside the repository.");
}

internal sealed record Result(int Jobs, double Seconds, double JobsPerSecond, double P50, double P90, double P99, double Max);
