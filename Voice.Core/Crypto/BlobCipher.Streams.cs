using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Voice.Core.Crypto;

/// <summary>The streaming halves of <see cref="BlobCipher"/>: segments are sealed and opened as the caller reads.</summary>
public static partial class BlobCipher
{
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
        private int _skip; // plaintext bytes of the next segment that a seek passed over

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
            if (_skip > 0)
            {
                // After a seek into the middle of a segment: open it and start at the target.
                await NextSegmentAsync(cancellationToken).ConfigureAwait(false);
                _plainPosition = Math.Min(_skip, _plainLength);
                _skip = 0;
            }
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
            // The segment is opened by the next read, not here: Seek is synchronous, and blocking a thread on the blob's
            // network read starved the API's thread pool when many players asked for ranges at once.
            _skip = (int)(target - _position);
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
