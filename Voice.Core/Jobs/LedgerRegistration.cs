using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Voice.Core.Jobs;
using Voice.Core.Pools;
using Voice.Core.Webhooks;

namespace Microsoft.Extensions.Hosting;

public static class LedgerRegistration
{
    /// <summary>The jobs ledger (Postgres), its delivery queue and live streams (Redis), and the ledger scans behind reconciliation.</summary>
    public static IHostApplicationBuilder AddVoiceLedger(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<QueueOptions>(QueueOptions.Section);
        builder.Services.TryAddSingleton<JobStore>();
        builder.Services.TryAddSingleton<JobQueue>();
        builder.Services.TryAddSingleton<JobEvents>();
        builder.Services.TryAddSingleton<SpeechStreams>();
        builder.Services.TryAddSingleton<LedgerScan>();
        builder.Services.TryAddSingleton<WebhookSchedule>(); // settling a job schedules its webhooks
        builder.Services.TryAddSingleton<PoolRegistry>(); // which pools are live: workers announce, the API lists
        return builder;
    }
}
