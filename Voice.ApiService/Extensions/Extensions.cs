using Voice.ApiService.Model;
using Voice.ApiService.Security;
using Voice.ApiService.Services;
using Voice.ApiService.Submissions;
using Voice.Speech.Engines;

namespace Voice.ApiService.Extensions;

public static class Extensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddVoiceCore();
        builder.AddVoiceDatabaseAdministration();
        builder.AddVoiceSecurity();
        builder.Services.AddHostedService<DemoTenantSeeder>();
        builder.Services.AddSingleton<DataKeySweeper>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DataKeySweeper>());
        builder.Services.AddSingleton<RetentionSweeper>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RetentionSweeper>());
        builder.Services.AddSingleton<Voice.Core.Jobs.JobSubmitter>();
        // The API validates against the engine the workers run, without loading it.
        builder.Services.AddSingleton(SpeechEngines.Describe(builder.Configuration[SpeechEngines.ConfigurationKey] ?? SpeechEngines.Default));
        builder.Services.AddSingleton<VoiceProfiles>();
        builder.Services.AddSingleton<SpeechRequests>();
        builder.Services.AddSingleton<SpeechSubmissions>();
        builder.Services.AddSingleton<VoicePreviews>();
        builder.Services.AddSingleton<SpeechRelay>();
        builder.Services.AddSingleton<AccountMails>();
        builder.Services.AddSingleton<Voice.Core.Webhooks.WebhookSender>(); // the endpoint test sends through the real sender
        // Account mail: the development mailbox in Development (or when asked for), otherwise dropped with a warning.
        string mailbox = builder.Configuration["Accounts:Mailbox"] ?? (builder.Environment.IsDevelopment() ? "development" : "none");
        if (mailbox == "development")
        {
            builder.Services.AddSingleton<DevelopmentMailbox>();
            builder.Services.AddSingleton<IAccountMailer>(sp => sp.GetRequiredService<DevelopmentMailbox>());
        }
        else
        {
            builder.Services.AddSingleton<IAccountMailer, NoMailer>();
        }

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

        builder.Services.AddOpenApi();
        return builder;
    }
}
