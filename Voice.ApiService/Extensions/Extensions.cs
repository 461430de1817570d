using Microsoft.Extensions.Options;
using Voice.ApiService.Model;
using Voice.ApiService.Pools;
using Voice.ApiService.Security;
using Voice.ApiService.Services;
using Voice.ApiService.Submissions;
using Voice.Core.Billing;
using Voice.Speech.Engines;

namespace Voice.ApiService.Extensions;

public static class Extensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddVoiceConnections()
            .AddVoiceDatabaseAdministration()
            .AddVoiceKeys()
            .AddVoiceStorage()
            .AddVoiceLedger()
            .AddVoiceBilling()
            .AddVoiceProfiles()
            .AddVoiceWebhooks()
            .AddVoiceAudit()
            .AddVoiceAccounts()
            .AddVoiceSecurity();
        builder.AddValidatedOptions<DataKeyOptions>(DataKeyOptions.Section);
        builder.AddValidatedOptions<RetentionOptions>(RetentionOptions.Section);
        builder.AddValidatedOptions<BootstrapOptions>(BootstrapOptions.Section);
        builder.Services.AddSingleton<PlanStore>();
        builder.Services.AddHostedService<DemoTenantSeeder>();
        builder.Services.AddSingleton<DataKeySweeper>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DataKeySweeper>());
        builder.Services.AddSingleton<RetentionSweeper>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RetentionSweeper>());
        builder.Services.AddSingleton<Voice.Core.Jobs.JobSubmitter>();
        // The API validates against the engine the workers run, without loading it.
        builder.AddValidatedOptions<SpeechOptions>(SpeechOptions.Section);
        builder.Services.AddSingleton(sp => SpeechEngines.Describe(sp.GetRequiredService<IOptions<SpeechOptions>>().Value.Engine));
        builder.Services.AddSingleton<PoolDirectory>(); // ... and against what the live pools announced, once they have
        builder.Services.AddHostedService(sp => sp.GetRequiredService<PoolDirectory>());
        builder.Services.AddSingleton<PoolRouter>();
        builder.Services.AddSingleton<VoiceProfiles>();
        builder.Services.AddSingleton<SpokenText>();
        builder.Services.AddSingleton<SpeechRequests>();
        builder.Services.AddSingleton<SpeechSubmissions>();
        builder.Services.AddSingleton<DialogueRequests>();
        builder.Services.AddSingleton<VoicePreviews>();
        builder.Services.AddSingleton<VoiceDesigns>();
        builder.Services.AddSingleton<SpeechFeed>();
        builder.Services.AddSingleton<SpeechRelay>();
        builder.AddValidatedOptions<Voice.ApiService.Realtime.RealtimeOptions>(Voice.ApiService.Realtime.RealtimeOptions.Section);
        builder.Services.AddSingleton<Voice.ApiService.Realtime.UnauthenticatedSockets>();
        builder.Services.AddSingleton<Voice.ApiService.Realtime.SpeechSocketServices>();

        builder.Services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower;
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default);
        });

        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Instance ??= context.HttpContext.Request.Path;
            // Problems the framework raises itself (routing, content negotiation, crashes) get our types too.
            if (context.ProblemDetails.Type is null || context.ProblemDetails.Type.StartsWith("https://tools.ietf.org/", StringComparison.Ordinal))
            {
                context.ProblemDetails.Type = Problems.ForStatus(context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode);
            }
        });

        builder.Services.AddVoiceOpenApi();
        return builder;
    }
}
