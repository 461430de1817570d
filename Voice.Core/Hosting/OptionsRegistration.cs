using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

public static class OptionsRegistration
{
    /// <summary>Binds <typeparamref name="T"/> to its section and refuses to start on an invalid value.</summary>
    public static IHostApplicationBuilder AddValidatedOptions<T>(this IHostApplicationBuilder builder, string section) where T : class
    {
        builder.Services.AddOptions<T>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();
        return builder;
    }
}
