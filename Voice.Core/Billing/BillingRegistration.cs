using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Voice.Core.Billing;

namespace Microsoft.Extensions.Hosting;

public static class BillingRegistration
{
    /// <summary>Plans (cached per tenant) and usage reports.</summary>
    public static IHostApplicationBuilder AddVoiceBilling(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton<PlanCatalog>();
        builder.Services.TryAddSingleton<UsageReports>();
        return builder;
    }
}
