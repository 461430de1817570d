using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Voice.Core.Lexicons;
using Voice.Core.Voices;

namespace Microsoft.Extensions.Hosting;

public static class VoicesRegistration
{
    /// <summary>Voice profiles (prompts encrypted under the tenant's key) and pronunciation lexicons.</summary>
    public static IHostApplicationBuilder AddVoiceProfiles(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton<VoiceStore>();
        builder.Services.TryAddSingleton<LexiconStore>();
        return builder;
    }
}
