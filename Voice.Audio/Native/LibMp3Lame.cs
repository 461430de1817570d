using System.Runtime.InteropServices;

namespace Voice.Audio.Native;

/// <summary>P/Invoke surface of libmp3lame (<c>libmp3lame.so.0</c>, Debian package <c>libmp3lame0</c>).</summary>
internal static unsafe partial class LibMp3Lame
{
    internal const string Library = "mp3lame";

    public const int ModeMono = 3;

    [LibraryImport(Library, EntryPoint = "lame_init")]
    public static partial nint Init();

    [LibraryImport(Library, EntryPoint = "lame_close")]
    public static partial int Close(nint lame);

    [LibraryImport(Library, EntryPoint = "lame_set_in_samplerate")]
    public static partial int SetInSampleRate(nint lame, int rate);

    [LibraryImport(Library, EntryPoint = "lame_set_out_samplerate")]
    public static partial int SetOutSampleRate(nint lame, int rate);

    [LibraryImport(Library, EntryPoint = "lame_set_num_channels")]
    public static partial int SetChannels(nint lame, int channels);

    [LibraryImport(Library, EntryPoint = "lame_set_mode")]
    public static partial int SetMode(nint lame, int mode);

    [LibraryImport(Library, EntryPoint = "lame_set_brate")]
    public static partial int SetBitrate(nint lame, int kbps);

    [LibraryImport(Library, EntryPoint = "lame_set_quality")]
    public static partial int SetQuality(nint lame, int quality);

    [LibraryImport(Library, EntryPoint = "lame_set_bWriteVbrTag")]
    public static partial int SetWriteInfoTag(nint lame, int write);

    [LibraryImport(Library, EntryPoint = "lame_init_params")]
    public static partial int InitParams(nint lame);

    [LibraryImport(Library, EntryPoint = "lame_encode_buffer_ieee_float")]
    public static partial int EncodeFloat(nint lame, float* left, float* right, int samples, byte* mp3, int size);

    [LibraryImport(Library, EntryPoint = "lame_encode_flush")]
    public static partial int Flush(nint lame, byte* mp3, int size);

    [LibraryImport(Library, EntryPoint = "lame_get_lametag_frame")]
    public static partial nuint GetInfoTagFrame(nint lame, byte* buffer, nuint size);
}
