using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;
using Voice.Core.Crypto;
using Voice.Core.Database;
using Voice.Core.Storage;

namespace Voice.ApiService.Services;

/// <summary>
/// Completes data-key rotations in the background (every <see cref="Interval"/>): for each tenant with more than
/// one live key version, re-encrypts its objects under the newest and retires the older versions once the
/// rotation is older than <see cref="Grace"/>. One replica sweeps at a time (a Redis lease). It runs in the API
/// because finding those tenants needs the admin role, which workers never get.
/// </summary>
public sealed partial class DataKeySweeper(
    AdminDatabase admin, TenantKeys keys, BlobStore blobs, Voice.Core.Voices.VoiceStore voices, IConnectionMultiplexer redis, IOptions<DataKeyOptions> options, TimeProvider clock,
    ILogger<DataKeySweeper> logger) : BackgroundService
{
    private static readonly RedisKey Lease = "voice:data-key-sweep";

    /// <summary>How long a rotation must have stood before older versions are destroyed (replicas cache the current version for a minute).</summary>
    public TimeSpan Grace { get; } = options.Value.RotationGrace;

    public TimeSpan Interval { get; } = options.Value.SweepInterval;

    /// <summary>Re-encrypts one tenant's objects now; destroys older versions if the rotation has settled.</summary>
    public async Task<KeyRotation.Outcome> CompleteAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        await using var command = admin.DataSource.CreateCommand("select max(created_at) from tenant_data_keys where tenant_id = $1 and wrapped_key is not null");
        command.Parameters.Add(new() { Value = tenantId });
        var newest = await command.ExecuteScalarAsync(cancellationToken) is DateTime at ? new DateTimeOffset(at, TimeSpan.Zero) : clock.GetUtcNow();
        var outcome = await new KeyRotation(keys, blobs, voices, Grace).CompleteAsync(tenantId, newest, clock.GetUtcNow(), cancellationToken);
        if (outcome.Reencrypted > 0 || outcome.DestroyedVersions > 0)
        {
            LogSwept(logger, tenantId, outcome.Reencrypted, outcome.Examined, outcome.DestroyedVersions);
        }
        return outcome;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                if (!await redis.GetDatabase().StringSetAsync(Lease, Environment.MachineName, Interval, When.NotExists))
                {
                    continue; // another replica sweeps this round
                }
                await using var command = admin.DataSource.CreateCommand(
                    "select tenant_id from tenant_data_keys where wrapped_key is not null group by tenant_id having count(*) > 1");
                var tenants = new List<Guid>();
                await using (var reader = await command.ExecuteReaderAsync(stoppingToken))
                {
                    while (await reader.ReadAsync(stoppingToken))
                    {
                        tenants.Add(reader.GetGuid(0));
                    }
                }
                foreach (var tenant in tenants)
                {
                    await CompleteAsync(tenant, stoppingToken);
                }
            }
            catch (Exception ex) when (ex is NpgsqlException or RedisException or Azure.RequestFailedException or BlobCipherException)
            {
                LogSweepFailed(logger, ex); // the next round tries again
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Data-key rotation of tenant {TenantId}: {Reencrypted} of {Examined} objects re-encrypted, {Destroyed} old versions destroyed")]
    private static partial void LogSwept(ILogger logger, Guid tenantId, int reencrypted, int examined, int destroyed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A data-key sweep failed; it is retried next round")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
