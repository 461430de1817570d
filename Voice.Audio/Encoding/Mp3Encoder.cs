using Voice.Audio.Native;

namespace Voice.Audio.Encoding;

/// <summary>
/// MP3 through libmp3lame: mono, 24 kHz, constant 64 kbit/s, preceded by an ID3v2.4 tag. On a seekable output
/// the first frame becomes LAME's Info tag (exact length and encoder delay, so players are gapless and show
/// the right duration); a stream gets plain frames.
/// </summary>
internal sealed class Mp3Encoder : IAudioEncoder
{
    private const int BitrateKbps = 64;
    private readonly Stream _output;
    private readonly nint _lame;
    private readonly byte[] _tag;
    private long _firstFrameAt = -1;
    private byte[] _buffer = new byte[16 * 1024];
    private bool _disposed;

    public Mp3Encoder(Stream output, AudioMetadata metadata, int sampleRate)
    {
        _output = output;
        _tag = Id3v2Tag.Build(metadata);
        _lame = LibMp3Lame.Init();
        if (_lame == 0)
        {
            throw new AudioFormatUnavailableException("mp3", "libmp3lame could not start an encoder.");
        }
        LibMp3Lame.SetInSampleRate(_lame, sampleRate);
        LibMp3Lame.SetOutSampleRate(_lame, sampleRate);
        LibMp3Lame.SetChannels(_lame, 1);
        LibMp3Lame.SetMode(_lame, LibMp3Lame.ModeMono);
        LibMp3Lame.SetBitrate(_lame, BitrateKbps);
        // LAME's default algorithm quality (5): 2.8× faster than 2 ("high"; ffmpeg's libmp3lame on 60 s: 0.24 s
        // against 0.67 s), which a worker streaming many requests feels; the codec tests' quality bounds still hold.
        LibMp3Lame.SetQuality(_lame, 5);
        LibMp3Lame.SetWriteInfoTag(_lame, output.CanSeek ? 1 : 0);
        if (LibMp3Lame.InitParams(_lame) < 0)
        {
            throw new AudioFormatUnavailableException("mp3", "libmp3lame refused the encoder settings.");
        }
    }

    public async Task WriteAsync(ReadOnlyMemory<float> samples, CancellationToken cancellationToken)
    {
        await WriteTagAsync(cancellationToken).ConfigureAwait(false);
        for (int offset = 0; offset < samples.Length; offset += 8192)
        {
            int count = Math.Min(8192, samples.Length - offset);
            int bytes = Encode(samples.Span.Slice(offset, count));
            await _output.WriteAsync(_buffer.AsMemory(0, bytes), cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        await WriteTagAsync(cancellationToken).ConfigureAwait(false);
        int bytes = FlushEncoder();
        await _output.WriteAsync(_buffer.AsMemory(0, Math.Max(0, bytes)), cancellationToken).ConfigureAwait(false);
        if (_output.CanSeek && InfoTagFrame() is { Length: > 0 } info)
        {
            long end = _output.Position;
            _output.Position = _firstFrameAt;
            await _output.WriteAsync(info, cancellationToken).ConfigureAwait(false);
            _output.Position = end;
        }
        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private unsafe int FlushEncoder()
    {
        fixed (byte* mp3 = _buffer)
        {
            return LibMp3Lame.Flush(_lame, mp3, _buffer.Length);
        }
    }

    private unsafe byte[] InfoTagFrame()
    {
        var info = new byte[2880];
        nuint length;
        fixed (byte* frame = info)
        {
            length = LibMp3Lame.GetInfoTagFrame(_lame, frame, (nuint)info.Length);
        }
        return length > 0 && length <= (nuint)info.Length ? info[..(int)length] : [];
    }

    private unsafe int Encode(ReadOnlySpan<float> samples)
    {
        int needed = (samples.Length * 5 / 4) + 7200;
        if (_buffer.Length < needed)
        {
            _buffer = new byte[needed];
        }
        fixed (float* pcm = samples)
        fixed (byte* mp3 = _buffer)
        {
            int bytes = LibMp3Lame.EncodeFloat(_lame, pcm, pcm, samples.Length, mp3, _buffer.Length);
            return bytes >= 0 ? bytes : throw new InvalidOperationException($"libmp3lame failed to encode (error {bytes}).");
        }
    }

    private async Task WriteTagAsync(CancellationToken cancellationToken)
    {
        if (_firstFrameAt >= 0)
        {
            return;
        }
        await _output.WriteAsync(_tag, cancellationToken).ConfigureAwait(false);
        _firstFrameAt = _output.CanSeek ? _output.Position : 0;
    }

    public ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            LibMp3Lame.Close(_lame);
        }
        return ValueTask.CompletedTask;
    }
}
