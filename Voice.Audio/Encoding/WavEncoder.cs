using System.Buffers.Binary;


namespace Voice.Audio.Encoding;

/// <summary>
/// RIFF/WAVE, 16-bit PCM mono at the output rate, with a LIST/INFO chunk (ISFT software, ICRD date, ICMT the other tags).
/// On a seekable output the sizes are fixed up at the end; when streaming they are left at 0xFFFFFFFF, the
/// usual marker for "until the end of the stream".
/// </summary>
internal sealed class WavEncoder : IAudioEncoder
{
    private readonly Stream _output;
    private readonly long _start;
    private readonly byte[] _info;
    private readonly int _sampleRate;
    private long _dataBytes;
    private bool _headerWritten;

    public WavEncoder(Stream output, AudioMetadata metadata, int sampleRate)
    {
        _sampleRate = sampleRate;
        _output = output;
        _start = output.CanSeek ? output.Position : 0;
        _info = BuildInfo(metadata);
    }

    public async Task WriteAsync(ReadOnlyMemory<float> samples, CancellationToken cancellationToken)
    {
        await EnsureHeaderAsync(cancellationToken).ConfigureAwait(false);
        await Pcm16.WriteAsync(_output, samples, cancellationToken).ConfigureAwait(false);
        _dataBytes += samples.Length * 2;
    }

    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        await EnsureHeaderAsync(cancellationToken).ConfigureAwait(false);
        if (_output.CanSeek)
        {
            long end = _output.Position;
            var size = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(size, (uint)(end - _start - 8));
            _output.Position = _start + 4;
            await _output.WriteAsync(size, cancellationToken).ConfigureAwait(false);
            BinaryPrimitives.WriteUInt32LittleEndian(size, (uint)_dataBytes);
            _output.Position = _start + 12 + 24 + _info.Length + 4;
            await _output.WriteAsync(size, cancellationToken).ConfigureAwait(false);
            _output.Position = end;
        }
        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task EnsureHeaderAsync(CancellationToken cancellationToken)
    {
        if (_headerWritten)
        {
            return;
        }
        _headerWritten = true;
        var header = new byte[12 + 24 + _info.Length + 8];
        "RIFF"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), uint.MaxValue);
        "WAVE"u8.CopyTo(header.AsSpan(8));
        var fmt = header.AsSpan(12);
        "fmt "u8.CopyTo(fmt);
        BinaryPrimitives.WriteUInt32LittleEndian(fmt[4..], 16);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt[8..], 1);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt[10..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(fmt[12..], (uint)_sampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(fmt[16..], (uint)_sampleRate * 2);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt[20..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt[22..], 16);
        _info.CopyTo(header.AsSpan(36));
        var data = header.AsSpan(36 + _info.Length);
        "data"u8.CopyTo(data);
        BinaryPrimitives.WriteUInt32LittleEndian(data[4..], uint.MaxValue);
        await _output.WriteAsync(header, cancellationToken).ConfigureAwait(false);
    }

    private static byte[] BuildInfo(AudioMetadata metadata)
    {
        var fields = new List<(string Id, string Value)>();
        var comment = new List<string>();
        foreach (var (name, value) in metadata.Tags())
        {
            switch (name)
            {
                case "ENCODED_BY": fields.Add(("ISFT", value)); break;
                case "DATE": fields.Add(("ICRD", value)); break;
                default: comment.Add($"{name}={value}"); break;
            }
        }
        if (comment.Count > 0)
        {
            fields.Add(("ICMT", string.Join("; ", comment)));
        }
        if (fields.Count == 0)
        {
            return [];
        }
        using var list = new MemoryStream();
        list.Write("LIST"u8);
        list.Write(new byte[4]);
        list.Write("INFO"u8);
        foreach (var (id, value) in fields)
        {
            byte[] text = [.. System.Text.Encoding.UTF8.GetBytes(value), 0];
            list.Write(System.Text.Encoding.ASCII.GetBytes(id));
            var size = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(size, (uint)text.Length);
            list.Write(size);
            list.Write(text);
            if (text.Length % 2 == 1)
            {
                list.WriteByte(0);
            }
        }
        byte[] bytes = list.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), (uint)(bytes.Length - 8));
        return bytes;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>Raw signed 16-bit little-endian PCM, mono (24 kHz unless the request asked otherwise): what OpenAI's <c>pcm</c> format is.</summary>
internal sealed class PcmEncoder(Stream output) : IAudioEncoder
{
    public Task WriteAsync(ReadOnlyMemory<float> samples, CancellationToken cancellationToken) => Pcm16.WriteAsync(output, samples, cancellationToken);

    public Task CompleteAsync(CancellationToken cancellationToken) => output.FlushAsync(cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
