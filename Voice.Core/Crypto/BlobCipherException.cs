using System.Security.Cryptography;

namespace Voice.Core.Crypto;

/// <summary>Why a stored object could not be decrypted; nothing of its plaintext is returned in any case.</summary>
public enum BlobCipherFailure
{
    /// <summary>The object does not start with the encrypted-object header.</summary>
    NotEncrypted,

    /// <summary>The header names a format version this build does not know.</summary>
    UnsupportedVersion,

    /// <summary>The object ends early: its last segment is missing or cut.</summary>
    Truncated,

    /// <summary>A segment fails authentication: altered, reordered, duplicated, or from another object or tenant.</summary>
    Tampered,

    /// <summary>The data key the object was written with is gone (the tenant's keys were destroyed).</summary>
    KeyUnavailable,
}

/// <summary>A stored object that cannot be decrypted, and why.</summary>
public sealed class BlobCipherException(BlobCipherFailure failure, string message) : CryptographicException(message)
{
    public BlobCipherFailure Failure { get; } = failure;
}
