using System.Security.Cryptography;
using System.Text;

namespace Voice.Core.Crypto;

/// <summary>
/// The platform's root secret (the AppHost's <c>master-key</c> parameter). Nothing uses it directly: each
/// purpose derives its own key with HKDF-SHA256, so one derived key leaking reveals nothing about the others.
/// </summary>
public sealed class MasterKey
{
    public const int MinimumLength = 32;
    private readonly byte[] _material;

    public MasterKey(string secret)
    {
        if (string.IsNullOrEmpty(secret) || secret.Length < MinimumLength)
        {
            throw new ArgumentException($"The master key must be at least {MinimumLength} characters.", nameof(secret));
        }
        _material = Encoding.UTF8.GetBytes(secret);
    }

    public byte[] Derive(string purpose, int length = 32) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, _material, length, salt: [], info: Encoding.UTF8.GetBytes("voice:" + purpose));
}
