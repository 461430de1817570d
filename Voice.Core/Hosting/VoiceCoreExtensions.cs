using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Voice.Core.Crypto;
using Voice.Core.Database;
using Voice.Core.Hosting;
using Voice.Core.Jobs;
using Voice.Core.Tenancy;

namespace Microsoft.Extensions.Hosting;

public static class VoiceCoreExtensions
{
    /// <summary>
    /// The platform's shared back end: Postgres (<c>voicedb</c>, migrated at start-up), Redis (<c>redis</c>),
    /// blob storage (<c>blobs</c>), the jobs ledger and queue, the tenant directory and the key material.
    /// </summary>
    public static IHostApplicationBuilder AddVoiceCore(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDataSource("voicedb");
        builder.AddRedisClient("redis");
        builder.AddBlobServiceClient("blobs");

        builder.Services.AddOptions<VoiceOptions>()
            .BindConfiguration(VoiceOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp => new MasterKey(sp.GetRequiredService<IOptions<VoiceOptions>>().Value.MasterKey));
        builder.Services.AddSingleton<ResultUrlSigner>();
        builder.Services.AddSingleton<TenantDirectory>();
        builder.Services.AddSingleton<JobStore>();
        builder.Services.AddSingleton<JobQueue>();

        builder.Services.AddSingleton<DatabaseMigrator>();
        builder.Services.AddSingleton<SchemaState>();
        builder.Services.AddHostedService<MigrationHostedService>();
        builder.Services.AddHealthChecks().AddCheck<SchemaReadyHealthCheck>("schema", tags: ["ready"]);
        return builder;
    }
}
