using System.Runtime.InteropServices;

namespace Voice.Audio.Native;

/// <summary>P/Invoke surface of libFLAC (<c>libFLAC.so.12</c> or <c>.14</c>, see <see cref="NativeLibraries"/>): the stream decoder and encoder.</summary>
internal static unsafe partial class LibFlac
{
    internal const string Library = "FLAC";

    public const int MetadataTypeVorbisComment = 4;

    /// <summary>The start of FLAC__FrameHeader (all we read).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct FrameHeader
    {
        public uint BlockSize;
        public uint SampleRate;
        public uint Channels;
        public int ChannelAssignment;
        public uint BitsPerSample;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct VorbisCommentEntry
    {
        public uint Length;
        public byte* Entry;
    }

    [LibraryImport(Library, EntryPoint = "FLAC__stream_decoder_new")]
    public static partial nint DecoderNew();

    [LibraryImport(Library, EntryPoint = "FLAC__stream_decoder_delete")]
    public static partial void DecoderDelete(nint decoder);

    [LibraryImport(Library, EntryPoint = "FLAC__stream_decoder_init_stream")]
    public static partial int DecoderInitStream(nint decoder,
        delegate* unmanaged<nint, byte*, nuint*, nint, int> read,
        void* seek, void* tell, void* length,
        delegate* unmanaged<nint, nint, int> eof,
        delegate* unmanaged<nint, FrameHeader*, int**, nint, int> write,
        void* metadata,
        delegate* unmanaged<nint, int, nint, void> error,
        nint clientData);

    [LibraryImport(Library, EntryPoint = "FLAC__stream_decoder_process_until_end_of_stream")]
    public static partial int DecoderProcessUntilEndOfStream(nint decoder);

    [LibraryImport(Library, EntryPoint = "FLAC__stream_decoder_finish")]
    public static partial int DecoderFinish(nint decoder);

    [LibraryImport(Library, EntryPoint = "FLAC__stream_encoder_new")]
    public static partial nint EncoderNew();

    [LibraryImport(Library, EntryPoint = "FLAC__stream_encoder_delete")]
    public static partial void EncoderDelete(nint encoder);

    [LibraryImport(Library, EntryPoint = "FLAC__stream_encoder_set_channels")]
    public static partial int EncoderSetChannels(nint encoder, uint value);

    [LibraryImport(Library, EntryPoint = "FLAC__stream_encoder_set_bits_per_sample")]
    public static partial int EncoderSetBitsPerSample(nint encoder, uint value);

    [LibraryImport(Library, EntryPoint = "FLAC__stream_encoder_set_sample_rate")]
    public static partial int EncoderSetSampleRate(nint encoder, uint value);

    [LibraryImport(Library, EntryPoint = "FLAC__stream_encoder_set_compression_level")]
    public static partial int EncoderSetCompressionLevel(nint encoder, uint value);

    [LibraryImport(Library, EntryPoint = "FLAC__stream_encoder_set_metadata")]
    public static partial int EncoderSetMetadata(nint encoder, nint* metadata, uint count);

    [LibraryImport(Library, EntryPoint = "FLAC__stream_encoder_init_stream")]
    public static partial int EncoderInitStream(nint encoder,
        delegate* unmanaged<nint, byte*, nuint, uint, uint, nint, int> write,
        delegate* unmanaged<nint, ulong, nint, int> seek,
        delegate* unmanaged<nint, ulong*, nint, int> tell,
        void* metadata,
        nint clientData);

    [LibraryImport(Library, EntryPoint = "FLAC__stream_encoder_process_interleaved")]
    public static partial int EncoderProcessInterleaved(nint encoder, int* buffer, uint samples);

    [LibraryImport(Library, EntryPoint = "FLAC__stream_encoder_finish")]
    public static partial int EncoderFinish(nint encoder);

    [LibraryImport(Library, EntryPoint = "FLAC__metadata_object_new")]
    public static partial nint MetadataNew(int type);

    [LibraryImport(Library, EntryPoint = "FLAC__metadata_object_delete")]
    public static partial void MetadataDelete(nint metadata);

    [LibraryImport(Library, EntryPoint = "FLAC__metadata_object_vorbiscomment_entry_from_name_value_pair", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int CommentFromPair(VorbisCommentEntry* entry, string name, string value);

    [LibraryImport(Library, EntryPoint = "FLAC__metadata_object_vorbiscomment_append_comment")]
    public static partial int CommentAppend(nint metadata, VorbisCommentEntry entry, int copy);
}
