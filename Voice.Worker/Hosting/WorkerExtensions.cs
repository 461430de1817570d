using Voice.Core.Webhooks;
using Voice.Speech.Engines;
using Voice.Worker.Jobs;
using Voice.Worker.Queue;
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

        builder.Services.AddSingleton<WorkerTelemetry>();
        builder.Services.AddSingleton<WebhookSender>();
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
