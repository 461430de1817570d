using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Voice.Core.Database;

/// <summary>
/// Brings the schema up to date (then runs <paramref name="afterMigrations"/>: enabling the roles' logins)
/// before the service does any work, retrying while the database is unreachable (it may still be starting).
/// Readiness (<see cref="SchemaReadyHealthCheck"/>) stays red until done.
/// </summary>
public sealed partial class MigrationHostedService(
    DatabaseMigrator migrator,
    SchemaState state,
    Func<CancellationToken, Task> afterMigrations,
    ILogger<MigrationHostedService> logger) : IHostedService
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var started = DateTime.UtcNow;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                var applied = await migrator.MigrateAsync(cancellationToken).ConfigureAwait(false);
                await afterMigrations(cancellationToken).ConfigureAwait(false);
                LogReady(logger, applied.Migrations, applied.Functions);
                state.MarkReady();
                return;
            }
            catch (NpgsqlException ex) when (DateTime.UtcNow - started < Deadline && !cancellationToken.IsCancellationRequested)
            {
                LogRetry(logger, attempt, ex.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 250 * attempt)), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Database schema is current ({Applied} migrations and {Functions} functions applied now)")]
    private static partial void LogReady(ILogger logger, int applied, int functions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database not reachable yet (attempt {Attempt}): {Reason}")]
    private static partial void LogRetry(ILogger logger, int attempt, string reason);
}

public sealed class SchemaState
{
    private volatile bool _ready;

    public bool IsReady => _ready;

    public void MarkReady() => _ready = true;
}

public sealed class SchemaReadyHealthCheck(SchemaState state) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(state.IsReady ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("Schema migrations have not finished."));
}
