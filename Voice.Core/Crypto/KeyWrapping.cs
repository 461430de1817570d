using System.Security.Cryptography;
using System.Text;

namespace Voice.Core.Crypto;

/// <summary>
/// Wraps and unwraps tenants' data keys under a key-encryption key that never leaves its provider: the seam
/// where a KMS (Azure Key Vault wrapKey/unwrapKey, AWS KMS Encrypt/Decrypt, Vault transit) replaces the local
/// provider. <see cref="Id"/> names the key-encryption key; every wrapped data key records it, so keys wrapped
/// under an older one can still be opened (and rewrapped) after a rotation.
/// </summary>
public interface IKeyWrapper
{
    string Id { get; }

    /// <summary>The wrapped key; <paramref name="context"/> (tenant and version) is bound to it and needed to unwrap.</summary>
    byte[] Wrap(ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> context);

    /// <summary>The data key; throws <see cref="CryptographicException"/> when the wrapping was altered or the context differs.</summary>
    byte[] Unwrap(ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> context);
}

/// <summary>
/// The local provider: AES-256-GCM under a key derived (HKDF) from a master key — the AppHost's
/// <c>master-key</c> secret parameter. Its id is a fingerprint of that derived key, not the key.
/// </summary>
public sealed class LocalKeyWrapper : IKeyWrapper
{
    private readonly byte[] _kek;

    public LocalKeyWrapper(MasterKey masterKey)
    {
        _kek = masterKey.Derive("data-key-wrapping");
        Id = "local:" + Convert.ToHexStringLower(SHA256.HashData(masterKey.Derive("data-key-wrapping-id")))[..16];
    }

    public string Id { get; }

    public byte[] Wrap(ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> context)
    {
        var wrapped = new byte[12 + dataKey.Length + 16];
        RandomNumberGenerator.Fill(wrapped.AsSpan(0, 12));
        using var aes = new AesGcm(_kek, 16);
        aes.Encrypt(wrapped.AsSpan(0, 12), dataKey, wrapped.AsSpan(12, dataKey.Length), wrapped.AsSpan(12 + dataKey.Length), context);
        return wrapped;
    }

    public byte[] Unwrap(ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> context)
    {
        if (wrapped.Length < 12 + 16)
        {
            throw new CryptographicException("The wrapped key is truncated.");
        }
        var key = new byte[wrapped.Length - 28];
        using var aes = new AesGcm(_kek, 16);
        aes.Decrypt(wrapped[..12], wrapped[12..^16], wrapped[^16..], key, context);
        return key;
    }
}

/// <summary>
/// The key-encryption keys this deployment can use: the current one wraps new data keys; previous ones (kept
/// configured during a master-key rotation) only unwrap, until every data key has been rewrapped.
/// </summary>
public sealed class KeyRing(IKeyWrapper current, IReadOnlyList<IKeyWrapper> previous)
{
    public IKeyWrapper Current { get; } = current;

    public IKeyWrapper? Find(string id) => Current.Id == id ? Current : previous.FirstOrDefault(w => w.Id == id);

    /// <summary>The ids of the key-encryption keys being rotated out.</summary>
    public IEnumerable<string> PreviousIds => previous.Select(w => w.Id).Where(id => id != Current.Id);

    /// <summary>What a wrapped data key is bound to: its tenant and version.</summary>
    public static byte[] Context(Guid tenantId, int version) => Encoding.UTF8.GetBytes($"voice:data-key:{tenantId:N}:{version}");
}
