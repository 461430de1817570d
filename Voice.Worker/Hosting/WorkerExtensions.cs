using Microsoft.Extensions.Options;
using Voice.Speech.Engines;
using Voice.Worker.Claiming;
using Voice.Worker.Jobs;
using Voice.Worker.Queue;
using Voice.Worker.Results;
using Voice.Worker.Settlement;
using Voice.Worker.Synthesis;
using Voice.Worker.Voices;
using Voice.Worker.Webhooks;

namespace Voice.Worker.Hosting;

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

        builder.Services.AddJobPipeline();
        builder.Services.AddHostedService<JobConsumer>();
        builder.Services.AddHostedService<Reconciler>();
        builder.Services.AddHostedService<WebhookDispatcher>();
        builder.Services.AddHostedService<PoolHeartbeat>();
        return builder;
    }

    /// <summary>
    /// <see cref="JobRunner"/> and its steps, with the cancellation listener they need, but not the loops that feed
    /// it: what the worker and the tests' harness share (which adds the engine and <see cref="WorkerOptions"/>).
    /// </summary>
    public static IServiceCollection AddJobPipeline(this IServiceCollection services)
    {
        services.AddSingleton<WorkerPool>();
        services.AddSingleton<WorkerTelemetry>();
        services.AddSingleton<VoicePrompts>();
        services.AddSingleton<VoiceJobHandler>();
        services.AddSingleton<FailedAttempts>();
        services.AddSingleton<JobClaimer>();
        services.AddSingleton<BatchSynthesizer>();
        services.AddSingleton<ResultWriter>();
        services.AddSingleton<BatchSettler>();
        services.AddSingleton<EntryHeartbeats>();
        services.AddSingleton<JobRunner>();
        services.AddSingleton<LiveJobs>();
        services.AddSingleton<SentenceScheduler>();
        services.AddSingleton<CancellationSignals>();
        services.AddHostedService(sp => sp.GetRequiredService<CancellationSignals>());
        return services;
    }
}
