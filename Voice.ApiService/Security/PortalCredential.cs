using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Voice.ApiService.Security;

/// <summary>
/// Recognises requests the portal relays (its credential in <see cref="RequestRateLimiter.PortalHeader"/>), in
/// constant time. Without a configured credential nothing is the portal, so sessions get the plan's rate.
/// </summary>
public sealed class PortalCredential(IOptions<SecurityOptions> options)
{
    private readonly byte[]? _expected = options.Value.PortalCredential is { } value ? SHA256.HashData(Encoding.UTF8.GetBytes(value)) : null;

    public bool Matches(StringValues header) =>
        _expected is not null && header.Count == 1 && header[0] is { } presented
        && CryptographicOperations.FixedTimeEquals(_expected, SHA256.HashData(Encoding.UTF8.GetBytes(presented)));
}
