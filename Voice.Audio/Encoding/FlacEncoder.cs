using System.Runtime.InteropServices;
using Voice.Audio.Native;

namespace Voice.Audio.Encoding;

/// <summary>
/// FLAC through libFLAC: 16-bit mono 24 kHz, compression level 5, tags as Vorbis comments. On a seekable output
/// libFLAC rewrites STREAMINFO at the end (exact length and MD5); a stream leaves them unknown.
/// </summary>
internal sealed unsafe class FlacEncoder : IAudioEncoder
{
    private readonly Stream _output;
    private readonly nint _encoder;
    private readonly nint _comments;
    private readonly GCHandle _self;
    private Exception? _failure;
    private bool _disposed;

    public FlacEncoder(Stream output, AudioMetadata metadata, int sampleRate)
    {
        _output = output;
        _encoder = LibFlac.EncoderNew();
        if (_encoder == 0)
        {
            throw new AudioFormatUnavailableException("flac", "libFLAC could not start an encoder.");
        }
        LibFlac.EncoderSetChannels(_encoder, 1);
        LibFlac.EncoderSetBitsPerSample(_encoder, 16);
        LibFlac.EncoderSetSampleRate(_encoder, (uint)sampleRate);
        LibFlac.EncoderSetCompressionLevel(_encoder, 5);
        _comments = LibFlac.MetadataNew(LibFlac.MetadataTypeVorbisComment);
        foreach (var (name, value) in metadata.Tags())
        {
            LibFlac.VorbisCommentEntry entry;
            if (LibFlac.CommentFromPair(&entry, name, value) != 0)
            {
                LibFlac.CommentAppend(_comments, entry, copy: 0); // the metadata object takes the entry over
            }
        }
        nint block = _comments;
        LibFlac.EncoderSetMetadata(_encoder, &block, 1);
        _self = GCHandle.Alloc(this);
        int status = output.CanSeek
            ? LibFlac.EncoderInitStream(_encoder, &OnWrite, &OnSeek, &OnTell, null, GCHandle.ToIntPtr(_self))
            : LibFlac.EncoderInitStream(_encoder, &OnWrite, null, null, null, GCHandle.ToIntPtr(_self));
        if (status != 0)
        {
            throw new AudioFormatUnavailableException("flac", $"libFLAC refused the encoder settings (status {status}).");
        }
    }

    // libFLAC writes through callbacks on the calling thread: encoding is synchronous, the stream writes inside it too.
    public Task WriteAsync(ReadOnlyMemory<float> samples, CancellationToken cancellationToken)
    {
        var pcm = new int[samples.Length];
        var span = samples.Span;
        for (int i = 0; i < pcm.Length; i++)
        {
            pcm[i] = float.IsNaN(span[i]) ? 0 : (int)Math.Clamp(MathF.Round(span[i] * 32768f), short.MinValue, short.MaxValue);
        }
        fixed (int* buffer = pcm)
        {
            LibFlac.EncoderProcessInterleaved(_encoder, buffer, (uint)pcm.Length);
        }
        return _failure is null ? Task.CompletedTask : Task.FromException(_failure);
    }

    public Task CompleteAsync(CancellationToken cancellationToken)
    {
        LibFlac.EncoderFinish(_encoder);
        _output.Flush();
        return _failure is null ? Task.CompletedTask : Task.FromException(_failure);
    }

    private static FlacEncoder Of(nint client) => (FlacEncoder)GCHandle.FromIntPtr(client).Target!;

    [UnmanagedCallersOnly]
    private static int OnWrite(nint encoder, byte* buffer, nuint bytes, uint samples, uint frame, nint client)
    {
        var self = Of(client);
        try
        {
            self._output.Write(new ReadOnlySpan<byte>(buffer, (int)bytes));
            return 0;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or NotSupportedException)
        {
            self._failure ??= ex;
            return 1;
        }
    }

    [UnmanagedCallersOnly]
    private static int OnSeek(nint encoder, ulong offset, nint client)
    {
        var self = Of(client);
        self._output.Position = (long)offset;
        return 0;
    }

    [UnmanagedCallersOnly]
    private static int OnTell(nint encoder, ulong* offset, nint client)
    {
        *offset = (ulong)Of(client)._output.Position;
        return 0;
    }

    public ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            LibFlac.EncoderDelete(_encoder);
            LibFlac.MetadataDelete(_comments);
            _self.Free();
        }
        return ValueTask.CompletedTask;
    }
}
