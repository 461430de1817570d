using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Voice.Core.Crypto;
/// <summary>
/// The at-rest format of every stored object: streaming AES-256-GCM in fixed-size segments, so objects of any
/// size go in and out with two segments of memory, and any byte can be reached (HTTP ranges) by decrypting
/// one segment.
/// <code>
/// header (32 bytes): "VENC" | format 1 | 0 0 0 | key version (u32 BE) | segment size (u32 BE) | salt (16)
/// segment i:         ciphertext (segment size bytes; the last one shorter, possibly empty) | tag (16)
/// </code>
/// Each object has its own key, HKDF-SHA256(tenant data key, salt), so segment nonces can simply count
/// (0, 1, 2, …) without ever repeating under a key. Each segment's associated data binds the header, the
/// tenant, the object's path, the segment's index and whether it is the last: reordering, dropping,
/// duplicating or truncating segments, or moving an object to another path or tenant, fails authentication.
/// The last segment is always shorter than a full one (an empty one follows a plaintext that fills its
/// segments exactly), so a cut at a segment boundary is detected too.
/// </summary>
public static partial class BlobCipher
{
    public const int HeaderSize = 32;
    public const int TagSize = 16;
    public const int DefaultSegmentSize = 64 * 1024;
    private const byte FormatVersion = 1;
    private static readonly byte[] Magic = "VENC"u8.ToArray();

    /// <summary>What a header says: the data key version, the segment size and the object's salt.</summary>
    public sealed record Header(int KeyVersion, int SegmentSize, byte[] Salt)
    {
        public byte[] ToBytes()
        {
            var bytes = new byte[HeaderSize];
            Magic.CopyTo(bytes, 0);
            bytes[4] = FormatVersion;
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(8), (uint)KeyVersion);
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(12), (uint)SegmentSize);
            Salt.CopyTo(bytes, 16);
            return bytes;
        }
    }

    public static Header NewHeader(int keyVersion, int segmentSize = DefaultSegmentSize) =>
        new(keyVersion, segmentSize, RandomNumberGenerator.GetBytes(16));

    public static Header ParseHeader(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < HeaderSize || !bytes[..4].SequenceEqual(Magic))
        {
            throw new BlobCipherException(BlobCipherFailure.NotEncrypted, "The object is not an encrypted object (no header).");
        }
        if (bytes[4] != FormatVersion)
        {
            throw new BlobCipherException(BlobCipherFailure.UnsupportedVersion, $"Unknown encrypted-object format {bytes[4]}.");
        }
        int segmentSize = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes[12..]);
        // The reserved bytes must be zero: segments authenticate the header as it is written out again.
        if (bytes[5] != 0 || bytes[6] != 0 || bytes[7] != 0 || segmentSize is < 1024 or > 16 * 1024 * 1024)
        {
            throw new BlobCipherException(BlobCipherFailure.Tampered, "The header is malformed.");
        }
        return new Header((int)BinaryPrimitives.ReadUInt32BigEndian(bytes[8..]), segmentSize, bytes.Slice(16, 16).ToArray());
    }

    /// <summary>The plaintext length of an encrypted object of <paramref name="encryptedLength"/> bytes.</summary>
    public static long PlaintextLength(long encryptedLength, int segmentSize)
    {
        long body = encryptedLength - HeaderSize;
        if (body < TagSize)
        {
            throw new BlobCipherException(BlobCipherFailure.Truncated, "The object is shorter than one segment.");
        }
        long segments = ((body - TagSize) / (segmentSize + TagSize)) + 1;
        return body - (segments * TagSize);
    }

    /// <summary>The encrypted length of a plaintext of <paramref name="plaintextLength"/> bytes.</summary>
    public static long EncryptedLength(long plaintextLength, int segmentSize = DefaultSegmentSize) =>
        HeaderSize + plaintextLength + (((plaintextLength / segmentSize) + 1) * TagSize);

    /// <summary>A read-only stream of the encryption of <paramref name="plaintext"/> (read lazily, one segment at a time).</summary>
    public static Stream Encrypt(Stream plaintext, byte[] dataKey, Header header, Guid tenantId, string path) =>
        new EncryptingStream(plaintext, new SegmentCipher(dataKey, header, tenantId, path));

    /// <summary>
    /// A read-only stream of the plaintext of <paramref name="encrypted"/>, whose header (already read and
    /// parsed as <paramref name="header"/>) came first. Seekable, with a <see cref="Stream.Length"/>, when
    /// <paramref name="encrypted"/> is.
    /// </summary>
    public static Stream Decrypt(Stream encrypted, byte[] dataKey, Header header, Guid tenantId, string path) =>
        new DecryptingStream(encrypted, new SegmentCipher(dataKey, header, tenantId, path));

    /// <summary>Encrypts and decrypts one object's segments: its key, and the associated data of each segment.</summary>
    private sealed class SegmentCipher : IDisposable
    {
        private readonly AesGcm _aes;
        private readonly byte[] _associated; // header | tenant | path length | path | index (8) | final (1)
        private readonly int _prefix;

        public SegmentCipher(byte[] dataKey, Header header, Guid tenantId, string path)
        {
            Header = header;
            HeaderBytes = header.ToBytes();
            _aes = new AesGcm(HKDF.DeriveKey(HashAlgorithmName.SHA256, dataKey, 32, header.Salt, "voice:blob:v1"u8.ToArray()), TagSize);
            byte[] pathBytes = Encoding.UTF8.GetBytes(path);
            _prefix = HeaderSize + 16 + 4 + pathBytes.Length;
            _associated = new byte[_prefix + 9];
            HeaderBytes.CopyTo(_associated, 0);
            tenantId.TryWriteBytes(_associated.AsSpan(HeaderSize), bigEndian: true, out _);
            BinaryPrimitives.WriteInt32BigEndian(_associated.AsSpan(HeaderSize + 16), pathBytes.Length);
            pathBytes.CopyTo(_associated, HeaderSize + 20);
        }

        public Header Header { get; }

        public byte[] HeaderBytes { get; }

        public int SegmentSize => Header.SegmentSize;

        public void Seal(long index, bool final, ReadOnlySpan<byte> plaintext, Span<byte> output)
        {
            Span<byte> nonce = stackalloc byte[12];
            var associated = Associated(index, final, nonce);
            _aes.Encrypt(nonce, plaintext, output[..plaintext.Length], output.Slice(plaintext.Length, TagSize), associated);
        }

        public void Open(long index, bool final, ReadOnlySpan<byte> segment, Span<byte> plaintext)
        {
            Span<byte> nonce = stackalloc byte[12];
            var associated = Associated(index, final, nonce);
            int length = segment.Length - TagSize;
            try
            {
                _aes.Decrypt(nonce, segment[..length], segment[length..], plaintext[..length], associated);
            }
            catch (AuthenticationTagMismatchException)
            {
                plaintext[..length].Clear();
                throw new BlobCipherException(BlobCipherFailure.Tampered,
                    $"Segment {index} of the object failed authentication (altered, reordered, cut, or not this object's).");
            }
        }

        private ReadOnlySpan<byte> Associated(long index, bool final, Span<byte> nonce)
        {
            BinaryPrimitives.WriteInt64BigEndian(nonce[4..], index);
            BinaryPrimitives.WriteInt64BigEndian(_associated.AsSpan(_prefix), index);
            _associated[_prefix + 8] = final ? (byte)1 : (byte)0;
            return _associated;
        }

        public void Dispose() => _aes.Dispose();
    }
}
