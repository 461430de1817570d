using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;
using Voice.Core.Database;
using Voice.Core.Storage;

namespace Voice.ApiService.Services;

/// <summary>
/// Deletes expired results in the background (every <c>Retention:SweepInterval</c>, default 1 h; one replica at
/// a time by a Redis lease), in batches until none is left. In the API, because it needs the admin role.
/// </summary>
public sealed partial class RetentionSweeper(AdminDatabase admin, ResultRetention retention, IConnectionMultiplexer redis, IOptions<RetentionOptions> options,
    ILogger<RetentionSweeper> logger) : BackgroundService
{
    private const int Batch = 500;
    private static readonly RedisKey Lease = "voice:retention-sweep";

    public TimeSpan Interval { get; } = options.Value.SweepInterval;

    /// <summary>Sweeps until nothing expired is left; how many results it deleted.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        int total = 0;
        while (true)
        {
            var outcome = await retention.SweepAsync(admin.DataSource, Batch, cancellationToken);
            total += outcome.Deleted;
            if (outcome.Deleted > 0)
            {
                LogSwept(logger, outcome.Deleted, outcome.Tenants);
            }
            if (outcome.Deleted < Batch)
            {
                return total;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                if (await redis.GetDatabase().StringSetAsync(Lease, Environment.MachineName, Interval, When.NotExists))
                {
                    await SweepAsync(stoppingToken);
                }
            }
            catch (Exception ex) when (ex is NpgsqlException or RedisException or Azure.RequestFailedException)
            {
                LogSweepFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention: deleted {Deleted} expired results of {Tenants} tenants")]
    private static partial void LogSwept(ILogger logger, int deleted, int tenants);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A retention sweep failed; it is retried next round")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
