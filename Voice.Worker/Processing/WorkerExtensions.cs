using Microsoft.Extensions.Options;
using Voice.Core.Webhooks;
using Voice.Speech.Engines;

namespace Voice.Worker.Processing;

public static class WorkerExtensions
{
    /// <summary>What a worker uses of the core, and nothing more: no accounts, no audit, no administration.</summary>
    public static IHostApplicationBuilder AddWorkerFoundations(this IHostApplicationBuilder builder) => builder
        .AddVoiceConnections()
        .AddVoiceKeys()
        .AddVoiceStorage()
        .AddVoiceLedger()
        .AddVoiceBilling()
        .AddVoiceProfiles()
        .AddVoiceWebhooks();

    public static IHostApplicationBuilder AddJobProcessing(this IHostApplicationBuilder builder)
    {
        builder.AddWorkerFoundations();
        builder.AddValidatedOptions<WorkerOptions>(WorkerOptions.Section);
        // Long enough for the grace period plus handing jobs back.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(30));

        builder.AddValidatedOptions<SpeechOptions>(SpeechOptions.Section);
        builder.Services.AddSingleton(sp => SpeechEngineFactory.Create(sp.GetRequiredService<IOptions<SpeechOptions>>().Value, sp.GetRequiredService<ILoggerFactory>()));
        builder.Services.AddSingleton<EngineWarmup>();
        builder.Services.AddHealthChecks().AddCheck<EngineWarmup>("speech-engine", tags: ["ready"]);

        builder.Services.AddSingleton<WorkerTelemetry>();
        builder.Services.AddSingleton<JobRunner>();
        builder.Services.AddSingleton<VoicePrompts>();
        builder.Services.AddSingleton<CancellationSignals>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CancellationSignals>());
        builder.Services.AddHostedService<JobConsumer>();
        builder.Services.AddHostedService<Reconciler>();
        builder.Services.AddHostedService<WebhookDispatcher>();
        return builder;
    }
}
