using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Voice.Core.Audit;
using Voice.Core.Billing;
using Voice.Core.Webhooks;
using Voice.Core.Crypto;
using Voice.Core.Database;
using Voice.Core.Hosting;
using Voice.Core.Jobs;
using Voice.Core.Tenancy;
using Voice.Core.Voices;

namespace Microsoft.Extensions.Hosting;

public static class VoiceCoreExtensions
{
    /// <summary>
    /// What every service shares: Postgres as <c>voice_app</c> (row-level security), Redis, blob storage, the
    /// jobs ledger and queue, tenancy (credentials, accounts, keys, audit) and the key material.
    /// </summary>
    public static IHostApplicationBuilder AddVoiceCore(this IHostApplicationBuilder builder)
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
        builder.AddBlobServiceClient(ConnectionNames.Blobs);

        builder.Services.AddOptions<VoiceOptions>()
            .BindConfiguration(VoiceOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddOptions<QueueOptions>()
            .BindConfiguration(QueueOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp => new MasterKey(sp.GetRequiredService<IOptions<VoiceOptions>>().Value.MasterKey));
        builder.Services.AddSingleton(sp => new KeyRing(new LocalKeyWrapper(sp.GetRequiredService<MasterKey>()),
            [.. sp.GetRequiredService<IOptions<VoiceOptions>>().Value.PreviousMasterKeys.Select(k => new LocalKeyWrapper(new MasterKey(k)))]));
        builder.Services.AddSingleton<TenantKeys>();
        builder.Services.AddSingleton<Voice.Core.Storage.ResultRetention>();
        builder.Services.AddSingleton<ResultUrlSigner>();
        builder.Services.AddSingleton(sp => new TenantDatabase(sp.GetRequiredKeyedService<NpgsqlDataSource>(ConnectionNames.App)));
        builder.Services.AddSingleton<CredentialAuthenticator>();
        builder.Services.AddSingleton<UserAccounts>();
        builder.Services.AddSingleton<ApiKeyStore>();
        builder.Services.AddSingleton<TeamStore>();
        builder.Services.AddSingleton<PasswordResets>();
        builder.Services.AddSingleton<AuditLog>();
        builder.Services.AddSingleton<JobStore>();
        builder.Services.AddSingleton<JobQueue>();
        builder.Services.AddSingleton<JobEvents>();
        builder.Services.AddSingleton<SpeechStreams>();
        builder.Services.AddSingleton<LedgerScan>();
        builder.Services.AddSingleton<PlanCatalog>();
        builder.Services.AddSingleton<VoiceStore>();
        builder.Services.AddSingleton<Voice.Core.Lexicons.LexiconStore>();
        builder.Services.AddSingleton<UsageReports>();
        builder.Services.AddSingleton<SecretBox>();
        builder.Services.AddSingleton<WebhookStore>();
        builder.Services.AddSingleton<WebhookSchedule>();
        builder.Services.AddSingleton(sp => new SsrfGuard(
            [.. sp.GetRequiredService<IConfiguration>().GetSection("Webhooks:AllowedPrivateNetworks").Get<string[]>()?.Select(System.Net.IPNetwork.Parse) ?? []]));
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
        builder.Services.AddSingleton<TenantAdministration>();
        builder.Services.AddSingleton<PlanStore>();

        builder.Services.AddSingleton(sp => new DatabaseMigrator(
            sp.GetRequiredKeyedService<NpgsqlDataSource>(ConnectionNames.Owner),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<DatabaseMigrator>>()));
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
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<MigrationHostedService>>()));
        builder.Services.AddHealthChecks().AddCheck<SchemaReadyHealthCheck>("schema", tags: ["ready"]);
        return builder;
    }

    private static string Required(IConfiguration configuration, string name) =>
        configuration.GetConnectionString(name) ?? throw new InvalidOperationException($"ConnectionStrings:{name} is missing.");
}
