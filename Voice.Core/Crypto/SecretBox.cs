using System.Security.Cryptography;

namespace Voice.Core.Crypto;

/// <summary>
/// Small secrets the platform must read back (webhook signing secrets): AES-256-GCM under a key derived from
/// the master key, with associated data that binds each ciphertext to its owner, so a row copied onto another
/// tenant or object does not decrypt. Layout: nonce (12) | ciphertext | tag (16).
/// </summary>
public sealed class SecretBox(MasterKey masterKey)
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key = masterKey.Derive("secret-box");

    public byte[] Seal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        byte[] sealedBytes = new byte[NonceSize + plaintext.Length + TagSize];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plaintext, sealedBytes.AsSpan(NonceSize, plaintext.Length), sealedBytes.AsSpan(NonceSize + plaintext.Length), associatedData);
        return sealedBytes;
    }

    /// <summary>The plaintext; throws <see cref="CryptographicException"/> if the box was altered or belongs elsewhere.</summary>
    public byte[] Open(ReadOnlySpan<byte> sealedBytes, ReadOnlySpan<byte> associatedData)
    {
        if (sealedBytes.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("The sealed secret is truncated.");
        }
        int length = sealedBytes.Length - NonceSize - TagSize;
        byte[] plaintext = new byte[length];
        using var aes = new AesGcm(_key, TagSize);
        aes.Decrypt(sealedBytes[..NonceSize], sealedBytes.Slice(NonceSize, length), sealedBytes[^TagSize..], plaintext, associatedData);
        return plaintext;
    }
}
