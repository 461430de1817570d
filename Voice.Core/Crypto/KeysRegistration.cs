using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Voice.Core.Crypto;

namespace Microsoft.Extensions.Hosting;

public static class KeysRegistration
{
    /// <summary>The master key (and the ones being rotated out), tenants' data keys, sealed secrets and signed result URLs.</summary>
    public static IHostApplicationBuilder AddVoiceKeys(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<KeyOptions>(KeyOptions.Section);
        builder.Services.TryAddSingleton(sp => new MasterKey(sp.GetRequiredService<IOptions<KeyOptions>>().Value.MasterKey));
        builder.Services.TryAddSingleton(sp => new KeyRing(new LocalKeyWrapper(sp.GetRequiredService<MasterKey>()),
            [.. sp.GetRequiredService<IOptions<KeyOptions>>().Value.PreviousMasterKeys.Select(k => new LocalKeyWrapper(new MasterKey(k)))]));
        builder.Services.TryAddSingleton<TenantKeys>();
        builder.Services.TryAddSingleton<SecretBox>();
        builder.Services.TryAddSingleton<ResultUrlSigner>();
        return builder;
    }
}
