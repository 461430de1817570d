using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

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
public static class BlobCipher
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

    private sealed class EncryptingStream(Stream plaintext, SegmentCipher cipher) : Stream
    {
        private readonly byte[] _plain = new byte[cipher.SegmentSize];
        private byte[] _out = cipher.HeaderBytes;
        private int _outLength = HeaderSize, _outPosition;
        private long _index;
        private bool _finished;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (_outPosition == _outLength)
            {
                if (_finished)
                {
                    return 0;
                }
                await NextSegmentAsync(cancellationToken).ConfigureAwait(false);
            }
            int n = Math.Min(buffer.Length, _outLength - _outPosition);
            _out.AsMemory(_outPosition, n).CopyTo(buffer);
            _outPosition += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private async Task NextSegmentAsync(CancellationToken cancellationToken)
        {
            int filled = 0;
            while (filled < _plain.Length)
            {
                int read = await plaintext.ReadAsync(_plain.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }
                filled += read;
            }
            bool final = filled < _plain.Length; // a full segment is never the last: an empty one follows
            if (_out.Length < _plain.Length + TagSize)
            {
                _out = new byte[_plain.Length + TagSize];
            }
            cipher.Seal(_index++, final, _plain.AsSpan(0, filled), _out);
            _outLength = filled + TagSize;
            _outPosition = 0;
            _finished = final;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                cipher.Dispose();
                CryptographicOperations.ZeroMemory(_plain);
            }
            base.Dispose(disposing);
        }
    }

    private sealed class DecryptingStream(Stream encrypted, SegmentCipher cipher) : Stream
    {
        private readonly byte[] _segment = new byte[cipher.SegmentSize + TagSize];
        private readonly byte[] _plain = new byte[cipher.SegmentSize];
        private int _plainLength, _plainPosition;
        private long _index; // the next segment to read
        private bool _finished;
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => encrypted.CanSeek;
        public override bool CanWrite => false;
        public override long Length => PlaintextLength(encrypted.Length, cipher.SegmentSize);

        public override long Position
        {
            get => _position;
            set => Seek(value, SeekOrigin.Begin);
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (_plainPosition == _plainLength)
            {
                if (_finished)
                {
                    return 0;
                }
                await NextSegmentAsync(cancellationToken).ConfigureAwait(false);
            }
            int n = Math.Min(buffer.Length, _plainLength - _plainPosition);
            _plain.AsMemory(_plainPosition, n).CopyTo(buffer);
            _plainPosition += n;
            _position += n;
            return n;
        }

        private async Task NextSegmentAsync(CancellationToken cancellationToken)
        {
            int filled = await FillAsync(_segment, cancellationToken).ConfigureAwait(false);
            if (filled < TagSize)
            {
                throw new BlobCipherException(BlobCipherFailure.Truncated, filled == 0
                    ? "The object ends without its last segment."
                    : $"Segment {_index} of the object is cut short.");
            }
            bool final = filled < _segment.Length;
            cipher.Open(_index, final, _segment.AsSpan(0, filled), _plain);
            _index++;
            _plainLength = filled - TagSize;
            _plainPosition = 0;
            if (final)
            {
                // Nothing may follow the last segment (a duplicated or appended segment is tampering too).
                if (await encrypted.ReadAsync(_segment.AsMemory(0, 1), cancellationToken).ConfigureAwait(false) > 0)
                {
                    CryptographicOperations.ZeroMemory(_plain);
                    _plainLength = 0;
                    throw new BlobCipherException(BlobCipherFailure.Tampered, "Data follows the object's last segment.");
                }
                _finished = true;
            }
        }

        private async Task<int> FillAsync(byte[] target, CancellationToken cancellationToken)
        {
            int filled = 0;
            while (filled < target.Length)
            {
                int read = await encrypted.ReadAsync(target.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }
                filled += read;
            }
            return filled;
        }

        public override long Seek(long offset, SeekOrigin origin)
        {
            if (!CanSeek)
            {
                throw new NotSupportedException();
            }
            long target = origin switch
            {
                SeekOrigin.Begin => offset,
                SeekOrigin.Current => _position + offset,
                _ => Length + offset,
            };
            ArgumentOutOfRangeException.ThrowIfNegative(target);
            long segment = target / cipher.SegmentSize;
            encrypted.Position = HeaderSize + (segment * (cipher.SegmentSize + (long)TagSize));
            _index = segment;
            _finished = false;
            _plainLength = _plainPosition = 0;
            _position = segment * cipher.SegmentSize;
            int skip = (int)(target - _position);
            if (skip > 0 || target < Length)
            {
                NextSegmentAsync(CancellationToken.None).GetAwaiter().GetResult();
                _plainPosition = Math.Min(skip, _plainLength);
            }
            _position = target;
            return target;
        }

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                cipher.Dispose();
                encrypted.Dispose();
                CryptographicOperations.ZeroMemory(_plain);
            }
            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            cipher.Dispose();
            await encrypted.DisposeAsync().ConfigureAwait(false);
            CryptographicOperations.ZeroMemory(_plain);
            await base.DisposeAsync().ConfigureAwait(false);
        }
    }
}
