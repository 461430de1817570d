using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Voice.Audio.Native;

namespace Voice.Audio.Decoding;

/// <summary>
/// FLAC through libFLAC's stream decoder, fed from memory. Any decoding error (lost sync, bad CRC, a frame
/// that changes rate or channels) makes the whole file corrupt, rather than silently skipping audio.
/// </summary>
internal static unsafe class FlacDecoder
{
    private sealed class State(ReadOnlyMemory<byte> file, AudioLimits limits)
    {
        public ReadOnlyMemory<byte> File = file;
        public int Position;
        public AudioLimits Limits = limits;
        public SampleSink? Sink;
        public float[] Frame = [];
        public AudioProblemException? Problem;
    }

    public static AudioBuffer Decode(ReadOnlyMemory<byte> file, AudioLimits limits)
    {
        CheckDeclaredLength(file.Span, limits);
        var state = new State(file, limits);
        var handle = GCHandle.Alloc(state);
        nint decoder = LibFlac.DecoderNew();
        try
        {
            int init = LibFlac.DecoderInitStream(decoder, &OnRead, null, null, null, &OnEof, &OnWrite, null, &OnError, GCHandle.ToIntPtr(handle));
            if (init != 0)
            {
                throw new InvalidOperationException($"libFLAC refused to start a decoder (status {init}).");
            }
            LibFlac.DecoderProcessUntilEndOfStream(decoder);
            LibFlac.DecoderFinish(decoder);
            if (state.Problem is not null)
            {
                throw state.Problem;
            }
            return state.Sink?.ToBuffer() ?? throw new AudioProblemException(AudioProblemKind.Corrupt, "The FLAC file has no audio frames.");
        }
        finally
        {
            LibFlac.DecoderDelete(decoder);
            handle.Free();
            state.Sink?.Dispose();
        }
    }

    /// <summary>
    /// Refuses, before decoding anything, a stream whose STREAMINFO declares more samples than the limits allow.
    /// A total of 0 means "unknown" (RFC 9639 §8.2), and a header may lie: the sink's running budget still holds.
    /// A rate or channel count the limits refuse is left for the first frame to report, as before.
    /// </summary>
    private static void CheckDeclaredLength(ReadOnlySpan<byte> file, AudioLimits limits)
    {
        // "fLaC", a 4-byte block header whose type is 0 (STREAMINFO), then its 34-byte body.
        if (file.Length < 8 + 34 || (file[4] & 0x7F) != 0)
        {
            return;
        }
        var info = file.Slice(8, 34);
        int rate = (info[10] << 12) | (info[11] << 4) | (info[12] >> 4);
        int channels = ((info[12] >> 1) & 0x07) + 1;
        long frames = ((long)(info[13] & 0x0F) << 32) | BinaryPrimitives.ReadUInt32BigEndian(info[14..]);
        if (frames > 0 && rate >= limits.MinSampleRate && rate <= limits.MaxSampleRate && channels <= limits.MaxChannels)
        {
            limits.CheckSamples(frames * channels, rate, channels);
        }
    }

    private static State Of(nint client) => (State)GCHandle.FromIntPtr(client).Target!;

    [UnmanagedCallersOnly]
    private static int OnRead(nint decoder, byte* buffer, nuint* bytes, nint client)
    {
        var state = Of(client);
        int count = (int)Math.Min((long)*bytes, state.File.Length - state.Position);
        if (count <= 0)
        {
            *bytes = 0;
            return 1; // end of stream
        }
        state.File.Span.Slice(state.Position, count).CopyTo(new Span<byte>(buffer, count));
        state.Position += count;
        *bytes = (nuint)count;
        return 0;
    }

    [UnmanagedCallersOnly]
    private static int OnEof(nint decoder, nint client)
    {
        var state = Of(client);
        return state.Position >= state.File.Length ? 1 : 0;
    }

    [UnmanagedCallersOnly]
    private static int OnWrite(nint decoder, LibFlac.FrameHeader* header, int** channels, nint client)
    {
        var state = Of(client);
        try
        {
            int rate = (int)header->SampleRate, count = (int)header->Channels, bits = (int)header->BitsPerSample, block = (int)header->BlockSize;
            if (state.Sink is null)
            {
                state.Limits.CheckFormat(rate, count);
                if (bits is < 4 or > 32)
                {
                    throw new AudioProblemException(AudioProblemKind.Corrupt, "The FLAC stream declares an impossible sample size.");
                }
                state.Sink = new SampleSink(state.Limits, rate, count);
            }
            else if (rate != state.Sink.SampleRate || count != state.Sink.Channels)
            {
                throw new AudioProblemException(AudioProblemKind.Corrupt, "The FLAC stream changes its sample rate or channels midway.");
            }
            if (state.Frame.Length < block * count)
            {
                state.Frame = new float[block * count];
            }
            float scale = 1f / (1L << (bits - 1));
            for (int c = 0; c < count; c++)
            {
                int* samples = channels[c];
                for (int i = 0; i < block; i++)
                {
                    state.Frame[(i * count) + c] = samples[i] * scale;
                }
            }
            state.Sink.Add(state.Frame.AsSpan(0, block * count));
            return 0;
        }
        catch (AudioProblemException problem)
        {
            state.Problem ??= problem;
            return 1; // abort
        }
    }

    [UnmanagedCallersOnly]
    private static void OnError(nint decoder, int status, nint client)
    {
        var state = Of(client);
        state.Problem ??= new AudioProblemException(AudioProblemKind.Corrupt, "The FLAC stream is damaged (lost sync, bad header or checksum).");
    }
}
