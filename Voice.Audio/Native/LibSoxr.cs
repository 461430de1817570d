using System.Runtime.InteropServices;

namespace Voice.Audio.Native;

/// <summary>P/Invoke surface of libsoxr (<c>libsoxr.so.0</c>, Debian package <c>libsoxr0</c>): mono float32 streams.</summary>
internal static unsafe partial class LibSoxr
{
    internal const string Library = "soxr";

    /// <summary>SOXR_VHQ: 28-bit precision, linear phase (so the output is time-aligned with the input).</summary>
    public const nuint VeryHighQuality = 4;

    [StructLayout(LayoutKind.Sequential)]
    public struct QualitySpec
    {
        public double Precision, PhaseResponse, PassbandEnd, StopbandBegin;
        public nint E;
        public nuint Flags;
    }

    [LibraryImport(Library, EntryPoint = "soxr_quality_spec")]
    public static partial QualitySpec QualitySpecOf(nuint recipe, nuint flags);

    /// <summary>Returns the resampler, or zero with <paramref name="error"/> set (a static C string).</summary>
    [LibraryImport(Library, EntryPoint = "soxr_create")]
    public static partial nint Create(double inputRate, double outputRate, uint channels, nint* error, void* io, QualitySpec* quality, void* runtime);

    /// <summary>A null <paramref name="input"/> means the input has ended: the tail is emitted.</summary>
    [LibraryImport(Library, EntryPoint = "soxr_process")]
    public static partial nint Process(nint soxr, float* input, nuint inputLength, nuint* inputDone, float* output, nuint outputLength, nuint* outputDone);

    [LibraryImport(Library, EntryPoint = "soxr_delete")]
    public static partial void Delete(nint soxr);

    public static string Message(nint error) => Marshal.PtrToStringUTF8(error) ?? "unknown error";
}
