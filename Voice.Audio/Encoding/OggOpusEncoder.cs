using System.Buffers.Binary;

using Concentus;
using Concentus.Enums;
using Voice.Audio.Ogg;
using Voice.Audio.Resampling;

namespace Voice.Audio.Encoding;

/// <summary>
/// Ogg Opus (RFC 7845) through Concentus: the input (24 kHz, or the rate a request asked for) is resampled to the 48 kHz Opus runs at, encoded in
/// 20 ms frames at 32 kbit/s (speech-tuned), tagged with Vorbis comments in OpusTags. Pages are flushed at the
/// end of each written chunk, so a listener can start as soon as the first sentence is encoded.
/// </summary>
internal sealed class OggOpusEncoder : IAudioEncoder
{
    private const int Rate = 48_000;
    private const int FrameSamples = 960;
    private readonly Stream _output;
    private readonly AudioMetadata _metadata;
    private readonly IOpusEncoder _encoder;
    private readonly PolyphaseResampler _upsampler;
    private readonly int _inputRate;
    private readonly OggPageWriter _ogg;
    private readonly List<float> _pending = [];
    private readonly byte[] _packet = new byte[4000];
    private readonly int _preSkip;
    private long _encodedSamples;
    private long _inputSamples;
    private bool _headersWritten;

    static OggOpusEncoder() => OpusCodecFactory.AttemptToUseNativeLibrary = false;

    public OggOpusEncoder(Stream output, AudioMetadata metadata, int sampleRate)
    {
        _inputRate = sampleRate;
        _upsampler = new(sampleRate, Rate);
        _output = output;
        _metadata = metadata;
        _encoder = OpusCodecFactory.CreateEncoder(Rate, 1, OpusApplication.OPUS_APPLICATION_AUDIO);
        _encoder.Bitrate = 32_000;
        _encoder.SignalType = OpusSignal.OPUS_SIGNAL_VOICE;
        _preSkip = _encoder.Lookahead;
        _ogg = new OggPageWriter(output, serial: Random.Shared.Next());
    }

    public async Task WriteAsync(ReadOnlyMemory<float> samples, CancellationToken cancellationToken)
    {
        await WriteHeadersAsync(cancellationToken).ConfigureAwait(false);
        _inputSamples += samples.Length;
        _upsampler.Process(samples.Span, _pending);
        await EncodeFramesAsync(final: false, cancellationToken).ConfigureAwait(false);
        await _ogg.FlushAsync(_preSkip + _encodedSamples, endOfStream: false, cancellationToken).ConfigureAwait(false);
    }

    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        await WriteHeadersAsync(cancellationToken).ConfigureAwait(false);
        _upsampler.Flush(_pending);
        // Push the encoder's look-ahead through with silence so the last real samples come out.
        _pending.AddRange(new float[_preSkip]);
        await EncodeFramesAsync(final: true, cancellationToken).ConfigureAwait(false);
        // The final granule counts only real audio: decoders drop the padding after it.
        long granule = _preSkip + (_inputSamples * Rate / _inputRate);
        await _ogg.FlushAsync(granule, endOfStream: true, cancellationToken).ConfigureAwait(false);
        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task EncodeFramesAsync(bool final, CancellationToken cancellationToken)
    {
        var frame = new float[FrameSamples];
        int offset = 0;
        while (_pending.Count - offset >= FrameSamples || (final && _pending.Count - offset > 0))
        {
            int count = Math.Min(FrameSamples, _pending.Count - offset);
            Array.Clear(frame);
            _pending.CopyTo(offset, frame, 0, count);
            offset += count;
            int bytes = _encoder.Encode(frame, FrameSamples, _packet, _packet.Length);
            _encodedSamples += FrameSamples;
            _ogg.Add(_packet[..bytes]);
            if (_ogg.Pending >= 50)
            {
                await _ogg.FlushAsync(_preSkip + _encodedSamples, endOfStream: false, cancellationToken).ConfigureAwait(false);
            }
        }
        _pending.RemoveRange(0, offset);
    }

    private async Task WriteHeadersAsync(CancellationToken cancellationToken)
    {
        if (_headersWritten)
        {
            return;
        }
        _headersWritten = true;
        var head = new byte[19];
        "OpusHead"u8.CopyTo(head);
        head[8] = 1; // version
        head[9] = 1; // channels
        BinaryPrimitives.WriteUInt16LittleEndian(head.AsSpan(10), (ushort)_preSkip);
        BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(12), (uint)_inputRate); // the input's rate, for information
        head[18] = 0; // mapping family: mono/stereo
        await _ogg.WritePacketPageAsync(head, 0, cancellationToken).ConfigureAwait(false);
        await _ogg.WritePacketPageAsync(OpusTags(_metadata), 0, cancellationToken).ConfigureAwait(false);
    }

    private static byte[] OpusTags(AudioMetadata metadata)
    {
        using var tags = new MemoryStream();
        tags.Write("OpusTags"u8);
        WriteString(tags, "Voice");
        var comments = metadata.Tags().Select(t => $"{t.Name}={t.Value}").ToList();
        var count = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(count, (uint)comments.Count);
        tags.Write(count);
        comments.ForEach(c => WriteString(tags, c));
        return tags.ToArray();
    }

    private static void WriteString(Stream stream, string value)
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(value);
        var length = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)bytes.Length);
        stream.Write(length);
        stream.Write(bytes);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
