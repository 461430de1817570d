using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Voice.Core.Jobs;
using Voice.Speech.Engines;
using Voice.Worker.Hosting;
using Voice.Worker.Jobs;

namespace Voice.Tests.Infrastructure;

/// <summary>
/// The worker's job pipeline (JobRunner and everything it uses) in the test process, wired to the running
/// platform's real Postgres, Redis and Azurite, with an engine of the test's choosing. Entries are delivered to
/// it directly (a lane stream outside the rotation), so the platform's own worker never races for them.
/// </summary>
public sealed class WorkerHarness : IAsyncDisposable
{
    public const string Consumer = "test-harness";

    /// <summary>The pool whose lanes the harness delivers in: the platform worker's (the embedded engine's), so the
    /// platform's reconciler and reclaimer treat the harness's entries as its own pool's.</summary>
    public const string Pool = "espeak";

    private static readonly QueueKeys Keys = new(Pool);
    private readonly IHost _host;

    private WorkerHarness(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    public JobRunner Runner => Services.GetRequiredService<JobRunner>();

    public JobStore Jobs => Services.GetRequiredService<JobStore>();

    public static async Task<WorkerHarness> StartAsync(VoiceAppFixture app, ISpeechEngine engine, int maxAttempts = 3,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["ConnectionStrings:voicedb-app"] = await app.ConnectionStringAsync("voicedb-app"),
            ["ConnectionStrings:redis"] = await app.ConnectionStringAsync("redis"),
            ["ConnectionStrings:blobs"] = await app.ConnectionStringAsync("blobs"),
            ["Voice:MasterKey"] = app.MasterKey,
            ["Worker:MaxAttempts"] = maxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Queue:VisibilityTimeout"] = "00:00:10",
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddWorkerFoundations();
        builder.Services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.Section);
        builder.Services.AddSingleton(engine);
        builder.Services.AddJobPipeline();
        var host = builder.Build();
        await host.StartAsync();
        return new WorkerHarness(host);
    }

    /// <summary>A job in the ledger plus a delivered (pending) entry for it, as if this harness had picked it.</summary>
    public async Task<QueueEntry> SubmitAndDeliverAsync(Guid tenantId, string text, string voice = "alloy")
    {
        var submitted = await Jobs.CreateAsync(new NewJob(tenantId, new JobSpec(text, "en", voice, "wav"), null, Pool: Pool), null, null, CancellationToken.None);
        return await DeliverAsync(tenantId, submitted.Job!.Id);
    }

    public async Task<QueueEntry> DeliverAsync(Guid tenantId, Guid jobId)
    {
        var db = Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        var lane = Keys.Lane(tenantId);
        try
        {
            await db.StreamCreateConsumerGroupAsync(lane, JobQueue.ConsumerGroup, "0", createStream: true);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
        }
        var id = await db.StreamAddAsync(lane, [new("job", jobId.ToString("N")), new("tenant", tenantId.ToString("N")), new("traceparent", "")]);
        var read = await db.StreamReadGroupAsync(lane, JobQueue.ConsumerGroup, Consumer, ">", count: 100);
        Assert.Contains(read, e => e.Id == id);
        // Marked in flight like a real delivery, so the platform's reconciler leaves the job to this harness.
        await db.HashSetAsync(Keys.Inflight, jobId.ToString("N"), id);
        return new QueueEntry(Pool, tenantId, id, jobId, default);
    }

    /// <summary>
    /// A delivered (pending) entry in the live lane for the job, as if this harness had picked it: added and read
    /// in one script, so the platform's worker cannot pick it first.
    /// </summary>
    public async Task<QueueEntry> DeliverLiveAsync(Guid tenantId, Guid jobId)
    {
        var db = Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        var id = (string)(await db.ScriptEvaluateAsync("""
            redis.pcall('XGROUP', 'CREATE', KEYS[1], ARGV[1], '0', 'MKSTREAM')
            local id = redis.call('XADD', KEYS[1], '*', 'job', ARGV[3], 'tenant', ARGV[4], 'traceparent', '')
            redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', 1000, 'STREAMS', KEYS[1], '>')
            redis.call('HSET', KEYS[2], ARGV[3], id)
            return id
            """, [Keys.LiveLane, Keys.Inflight], [JobQueue.ConsumerGroup, Consumer, jobId.ToString("N"), tenantId.ToString("N")]))!;
        return new QueueEntry(Pool, tenantId, id, jobId, default, Live: true);
    }

    /// <summary>Entries of the tenant's lane still pending (delivered, not acknowledged).</summary>
    public async Task<long> PendingAsync(Guid tenantId)
    {
        var db = Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        try
        {
            return (await db.StreamPendingAsync(Keys.Lane(tenantId), JobQueue.ConsumerGroup)).PendingMessageCount;
        }
        catch (RedisServerException)
        {
            return 0; // lane deleted: nothing pending
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
