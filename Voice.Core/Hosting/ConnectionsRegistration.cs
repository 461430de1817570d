using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using Voice.Core.Database;
using Voice.Core.Hosting;

namespace Microsoft.Extensions.Hosting;

public static class ConnectionsRegistration
{
    /// <summary>
    /// What every service connects to: Postgres as <c>voice_app</c> (row-level security, one tenant per
    /// transaction through <see cref="TenantDatabase"/>), Redis, and the clock.
    /// </summary>
    public static IHostApplicationBuilder AddVoiceConnections(this IHostApplicationBuilder builder)
    {
        // The services run the same few dozen statements all day: prepared once per pooled connection, Postgres
        // stops parsing and planning them on every call, and a connection returned to the pool is reset without
        // DISCARD ALL (which would also drop the cached plans of admit_jobs and the other functions). Session state
        // is still reset (RESET ALL); the tenant declaration is transaction-local anyway. Measured in BENCHMARKS.md.
        // A connection string that says "Max Auto Prepare" itself wins (0 behind a PgBouncer older than 1.21, or
        // one without max_prepared_statements, which cannot carry named statements across transactions).
        bool prepareSetByOperator = builder.Configuration.GetConnectionString(ConnectionNames.App)?
            .Contains("Max Auto Prepare", StringComparison.OrdinalIgnoreCase) ?? false;
        builder.AddKeyedNpgsqlDataSource(ConnectionNames.App, configureDataSourceBuilder: dataSource =>
        {
            if (!prepareSetByOperator)
            {
                dataSource.ConnectionStringBuilder.MaxAutoPrepare = 64;
                dataSource.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
            }
        });
        builder.AddRedisClient(ConnectionNames.Redis);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton(sp => new TenantDatabase(sp.GetRequiredKeyedService<NpgsqlDataSource>(ConnectionNames.App)));
        return builder;
    }

    /// <summary>
    /// The API's extra powers: the owner connection that migrates the schema and enables the roles' logins
    /// at start-up, and the <c>voice_admin</c> connection behind the admin API.
    /// </summary>
    public static IHostApplicationBuilder AddVoiceDatabaseAdministration(this IHostApplicationBuilder builder)
    {
        builder.AddKeyedNpgsqlDataSource(ConnectionNames.Owner);
        builder.AddKeyedNpgsqlDataSource(ConnectionNames.Admin);
        builder.Services.AddSingleton(sp => new AdminDatabase(sp.GetRequiredKeyedService<NpgsqlDataSource>(ConnectionNames.Admin)));

        builder.Services.AddSingleton(sp => new DatabaseMigrator(
            sp.GetRequiredKeyedService<NpgsqlDataSource>(ConnectionNames.Owner),
            sp.GetRequiredService<Logging.ILogger<DatabaseMigrator>>()));
        builder.Services.AddSingleton<SchemaState>();
        builder.Services.AddHostedService(sp => new MigrationHostedService(
            sp.GetRequiredService<DatabaseMigrator>(),
            sp.GetRequiredService<SchemaState>(),
            async ct =>
            {
                var owner = sp.GetRequiredKeyedService<NpgsqlDataSource>(ConnectionNames.Owner);
                var configuration = sp.GetRequiredService<IConfiguration>();
                await DatabaseRoles.EnableLoginAsync(owner, DatabaseRoles.App, Required(configuration, ConnectionNames.App), ct).ConfigureAwait(false);
                await DatabaseRoles.EnableLoginAsync(owner, DatabaseRoles.Admin, Required(configuration, ConnectionNames.Admin), ct).ConfigureAwait(false);
            },
            sp.GetRequiredService<Logging.ILogger<MigrationHostedService>>()));
        builder.Services.AddHealthChecks().AddCheck<SchemaReadyHealthCheck>("schema", tags: ["ready"]);
        return builder;
    }

    private static string Required(IConfiguration configuration, string name) =>
        configuration.GetConnectionString(name) ?? throw new InvalidOperationException($"ConnectionStrings:{name} is missing.");
}
