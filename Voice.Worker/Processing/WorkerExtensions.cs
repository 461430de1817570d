using Voice.Core.Webhooks;
using Voice.Speech.Engines;
using Voice.Speech.Espeak;

namespace Voice.Worker.Processing;

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

        string engine = builder.Configuration["Speech:Engine"] ?? EspeakEngine.EngineName;
        switch (engine)
        {
            case EspeakEngine.EngineName:
                builder.Services.AddSingleton<ISpeechEngine, EspeakEngine>();
                break;
            case NullEngine.EngineName:
                builder.Services.AddSingleton<ISpeechEngine, NullEngine>();
                break;
            default:
                throw new InvalidOperationException($"Unknown speech engine '{engine}' (Speech:Engine). Known: {EspeakEngine.EngineName}, {NullEngine.EngineName}.");
        }

        builder.Services.AddSingleton<WorkerTelemetry>();
        builder.Services.AddSingleton<WebhookSender>();
        builder.Services.AddSingleton<JobRunner>();
        builder.Services.AddSingleton<CancellationSignals>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CancellationSignals>());
        builder.Services.AddHostedService<JobConsumer>();
        builder.Services.AddHostedService<Reconciler>();
        builder.Services.AddHostedService<WebhookDispatcher>();
        return builder;
    }
}
