// Checks a Voice webhook delivery's Voice-Signature header: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "t.body")>.
// Copy this file into the project that receives the webhooks.
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Voice.Examples;

public static class WebhookSignature
{
    /// <summary>Deliveries signed longer ago than this are refused (replays).</summary>
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    /// <summary>
    /// True when <paramref name="body"/> — the raw request body, exactly as received — was signed with the endpoint's
    /// secret (<c>whsec_…</c>) within <see cref="Tolerance"/> of <paramref name="now"/>.
    /// </summary>
    public static bool Verify(string secret, string? signatureHeader, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        long? timestamp = null;
        string? signature = null;
        foreach (string part in (signatureHeader ?? "").Split(','))
        {
            if (part.StartsWith("t=", StringComparison.Ordinal) && long.TryParse(part.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out long t))
            {
                timestamp = t;
            }
            else if (part.StartsWith("v1=", StringComparison.Ordinal))
            {
                signature = part[3..];
            }
        }
        if (timestamp is not { } signedAt || signature is null || Math.Abs(now.ToUnixTimeSeconds() - signedAt) > Tolerance.TotalSeconds)
        {
            return false;
        }
        byte[] prefix = Encoding.UTF8.GetBytes(signedAt.ToString(CultureInfo.InvariantCulture) + ".");
        byte[] signed = [.. prefix, .. body];
        byte[] expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed);
        byte[] given;
        try
        {
            given = Convert.FromHexString(signature);
        }
        catch (FormatException)
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }
}
