using System.Net;
using Microsoft.Extensions.Options;

namespace Voice.ApiService.Security;

/// <summary>
/// At most <see cref="SecurityOptions.SignUpsPerNetworkPerHour"/> sign-ups per network and hour (IPv4 /24, IPv6 /48:
/// what one party easily holds), so free tenants cannot be farmed from one place. A sign-up is counted once its form is
/// valid, whether or not its slug is free: a taken slug is a probe too.
/// </summary>
public sealed class SignUpCap(WindowCounters counters, IOptions<SecurityOptions> options)
{
    private static readonly TimeSpan Window = TimeSpan.FromHours(1);

    /// <summary>Counts a sign-up from <paramref name="address"/>; how long to wait when it is one too many.</summary>
    public Task<TimeSpan?> CountAsync(IPAddress? address) => address is null
        ? Task.FromResult<TimeSpan?>(null)
        : counters.CountAsync(new WindowLimit("signups:" + ClientNetworks.SignUpKey(address), Window, options.Value.SignUpsPerNetworkPerHour));
}
