using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Voice.Core.Billing;
using Voice.Core.Jobs;
using Voice.Core.Webhooks;
using Voice.Worker.Hosting;

namespace Voice.Worker.Queue;

/// <summary>
/// Repairs what Redis forgot. One worker at a time (a Redis lease) compares the ledger with Redis: unfinished
/// jobs with no queue entry (Redis restarted without persistence, or an enqueue was lost) are enqueued again, each
/// in its own pool's lanes (a pool that is down finds them there when it returns; a job from before pools existed
/// goes to this worker's pool, the one pool there was),
/// and pending webhook deliveries that fell off the schedule are put back. Enqueueing is idempotent and the
/// ledger's epochs make a duplicate delivery harmless, so a repair can never produce a second result.
/// </summary>
public sealed partial class Reconciler(
    LedgerScan ledger,
    JobQueue queue,
    WorkerPool pool,
    PlanCatalog plans,
    WebhookSchedule schedule,
    IConnectionMultiplexer redis,
    WorkerTelemetry telemetry,
    IOptions<WorkerOptions> options,
    ILogger<Reconciler> logger) : BackgroundService
{
    private static readonly RedisKey Lease = "{voice}:reconciler:lease";
    private static readonly RedisKey Marker = "{voice}:reconciler:intact";
    private static readonly TimeSpan RecentWindow = TimeSpan.FromHours(1);
    private readonly string _holder = Guid.NewGuid().ToString("N");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ReconcileInterval);
        do
        {
            try
            {
                if (await TakeLeaseAsync())
                {
                    await ReconcileAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is RedisException or Npgsql.NpgsqlException or TimeoutException)
            {
                LogFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>
    /// One repair pass; returns how many jobs were enqueued again. Normally only the last hour of jobs is
    /// looked at (anything older was looked at before); if Redis lost its data since the last pass — its
    /// marker key is gone — every unfinished job is, until a pass finds them all.
    /// </summary>
    public async Task<int> ReconcileAsync(CancellationToken cancellationToken)
    {
        const int Page = 1000;
        var db = redis.GetDatabase();
        bool redisIntact = await db.KeyExistsAsync(Marker);
        DateTimeOffset? since = redisIntact ? DateTimeOffset.UtcNow - RecentWindow : null;
        var unfinished = await ledger.UnfinishedJobsAsync(since, options.Value.ReconcileMinimumAge, Page, cancellationToken);
        int requeued = 0;
        foreach (var job in unfinished)
        {
            string jobPool = job.Pool ?? pool.Name;
            if (await queue.IsInFlightAsync(jobPool, job.JobId))
            {
                continue;
            }
            await queue.EnqueueAsync(jobPool, job.JobId, job.TenantId, await plans.QueueWeightAsync(job.Plan, cancellationToken), cancellationToken);
            requeued++;
        }
        if (!redisIntact && unfinished.Count < Page)
        {
            await db.StringSetAsync(Marker, DateTimeOffset.UtcNow.ToUnixTimeSeconds()); // all caught up
        }
        var overdue = await ledger.OverdueDeliveriesAsync(TimeSpan.FromMinutes(1), 1000, cancellationToken);
        await schedule.AddAsync([.. overdue]);
        if (requeued > 0 || overdue.Count > 0)
        {
            telemetry.Reconciled.Add(requeued);
            LogRepaired(logger, requeued, overdue.Count);
        }
        return requeued;
    }

    private async Task<bool> TakeLeaseAsync()
    {
        var db = redis.GetDatabase();
        var term = options.Value.ReconcileInterval * 2;
        if (await db.StringSetAsync(Lease, _holder, term, When.NotExists))
        {
            return true;
        }
        // Renew only a lease we hold.
        return (string?)await db.StringGetAsync(Lease) == _holder && await db.KeyExpireAsync(Lease, term);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconciler re-enqueued {Jobs} jobs and rescheduled {Deliveries} webhook deliveries")]
    private static partial void LogRepaired(ILogger logger, int jobs, int deliveries);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconciliation pass failed; retrying at the next interval")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
