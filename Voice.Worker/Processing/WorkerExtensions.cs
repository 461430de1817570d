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

        string engine = builder.Configuration["Speech:Engine"] ?? EspeakEngine.EngineName;
        switch (engine)
        {
            case EspeakEngine.EngineName:
                builder.Services.AddSingleton<ISpeechEngine, EspeakEngine>();
                break;
            default:
                throw new InvalidOperationException($"Unknown speech engine '{engine}' (Speech:Engine). Known: {EspeakEngine.EngineName}.");
        }

        builder.Services.AddSingleton<WorkerTelemetry>();
        builder.Services.AddSingleton<JobRunner>();
        builder.Services.AddHostedService<JobConsumer>();
        return builder;
    }
}
