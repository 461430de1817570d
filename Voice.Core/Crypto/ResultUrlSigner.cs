using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Voice.Core.Crypto;

/// <summary>
/// Signs and checks expiring download links for results: HMAC-SHA256 over tenant, job and expiry with a key
/// derived from the master key (HKDF, purpose "result-url"), so a link works without an API key (an
/// <c>&lt;audio src&gt;</c> can use it) but cannot be forged, extended or moved to another job.
/// </summary>
public sealed class ResultUrlSigner
{
    private readonly byte[] _key;
    private readonly TimeProvider _clock;

    public ResultUrlSigner(MasterKey masterKey, TimeProvider clock)
    {
        _key = masterKey.Derive("result-url");
        _clock = clock;
    }

    public (long Expires, string Signature) Sign(Guid tenantId, Guid jobId, TimeSpan lifetime)
    {
        long expires = _clock.GetUtcNow().Add(lifetime).ToUnixTimeSeconds();
        return (expires, Compute(tenantId, jobId, expires));
    }

    public bool Verify(Guid tenantId, Guid jobId, long expires, string? signature)
    {
        if (signature is null || expires < _clock.GetUtcNow().ToUnixTimeSeconds())
        {
            return false;
        }
        byte[] expected = Encoding.ASCII.GetBytes(Compute(tenantId, jobId, expires));
        byte[] actual = Encoding.ASCII.GetBytes(signature);
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }

    private string Compute(Guid tenantId, Guid jobId, long expires)
    {
        string message = string.Create(CultureInfo.InvariantCulture, $"{tenantId:N}.{jobId:N}.{expires}");
        return System.Buffers.Text.Base64Url.EncodeToString(HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(message)));
    }
}
