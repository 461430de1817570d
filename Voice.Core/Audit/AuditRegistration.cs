using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Voice.Core.Audit;

namespace Microsoft.Extensions.Hosting;

public static class AuditRegistration
{
    /// <summary>The tenant's append-only, hash-chained audit log.</summary>
    public static IHostApplicationBuilder AddVoiceAudit(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton<AuditLog>();
        return builder;
    }
}
