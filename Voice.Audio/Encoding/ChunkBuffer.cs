namespace Voice.Audio.Encoding;

/// <summary>
/// A write-only, non-seekable sink for a live encoder: it collects what the encoder writes (from any thread;
/// the AAC encoder writes from its own) until <see cref="Drain"/> takes it. Being non-seekable makes the
/// encoders write streaming headers (WAV sizes of 0xFFFFFFFF, no MP3 info frame, FLAC without totals).
/// </summary>
public sealed class ChunkBuffer : Stream
{
    private readonly Lock _lock = new();
    private MemoryStream _pending = new();

    /// <summary>Everything written since the last drain.</summary>
    public byte[] Drain()
    {
        lock (_lock)
        {
            var bytes = _pending.ToArray();
            _pending = new MemoryStream();
            return bytes;
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        lock (_lock)
        {
            _pending.Write(buffer);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
