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
        }
        finally
        {
            LibFlac.DecoderDelete(decoder);
            handle.Free();
        }
        if (state.Problem is not null)
        {
            throw state.Problem;
        }
        return state.Sink?.ToBuffer() ?? throw new AudioProblemException(AudioProblemKind.Corrupt, "The FLAC file has no audio frames.");
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
