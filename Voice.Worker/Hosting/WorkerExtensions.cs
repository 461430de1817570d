using Voice.Core.Webhooks;
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
    public static IHostApplicationBuilder AddJobProcessing(this IHostApplicationBuilder builder)
    {
        builder.AddVoiceCore();
        builder.Services.AddOptions<WorkerOptions>()
            .BindConfiguration(WorkerOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        // Long enough for the grace period plus handing jobs back.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(30));

        string engine = builder.Configuration[SpeechEngines.ConfigurationKey] ?? SpeechEngines.Default;
        builder.Services.AddSingleton(sp => SpeechEngines.Create(engine, sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<ILoggerFactory>()));
        builder.Services.AddSingleton<EngineWarmup>();
        builder.Services.AddHealthChecks().AddCheck<EngineWarmup>("speech-engine", tags: ["ready"]);

        builder.Services.AddJobPipeline();
        builder.Services.AddSingleton<WebhookSender>();
        builder.Services.AddHostedService<JobConsumer>();
        builder.Services.AddHostedService<Reconciler>();
        builder.Services.AddHostedService<WebhookDispatcher>();
        return builder;
    }

    /// <summary>
    /// <see cref="JobRunner"/> and its steps, with the cancellation listener they need, but not the loops that feed
    /// it: what the worker and the tests' harness share (which adds the engine and <see cref="WorkerOptions"/>).
    /// </summary>
    public static IServiceCollection AddJobPipeline(this IServiceCollection services)
    {
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
        services.AddSingleton<CancellationSignals>();
        services.AddHostedService(sp => sp.GetRequiredService<CancellationSignals>());
        return services;
    }
}
