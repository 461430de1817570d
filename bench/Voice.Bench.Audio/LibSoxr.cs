using System.Runtime.InteropServices;

namespace Voice.Bench.Audio;

/// <summary>libsoxr (the peer): one-shot resampling at its "very high quality" recipe.</summary>
internal static unsafe partial class LibSoxr
{
    private const int VeryHighQuality = 4;

    [StructLayout(LayoutKind.Sequential)]
    private struct QualitySpec
    {
        public double Precision, PhaseResponse, PassbandEnd, StopbandBegin;
        public nint E;
        public nuint Flags;
    }

    [LibraryImport("libsoxr.so.0", EntryPoint = "soxr_quality_spec")]
    private static partial QualitySpec QualitySpecOf(nuint recipe, nuint flags);

    [LibraryImport("libsoxr.so.0", EntryPoint = "soxr_oneshot")]
    private static partial nint OneShot(double inputRate, double outputRate, uint channels, float* input, nuint inputLength, nuint* inputDone,
        float* output, nuint outputLength, nuint* outputDone, void* io, QualitySpec* quality, void* runtime);

    public static float[] Resample(float[] input, int inputRate, int outputRate)
    {
        var output = new float[(long)Math.Ceiling((double)input.Length * outputRate / inputRate) + 64];
        var quality = QualitySpecOf(VeryHighQuality, 0);
        nuint done;
        fixed (float* i = input)
        fixed (float* o = output)
        {
            nint error = OneShot(inputRate, outputRate, 1, i, (nuint)input.Length, null, o, (nuint)output.Length, &done, null, &quality, null);
            if (error != 0)
            {
                throw new InvalidOperationException("libsoxr: " + Marshal.PtrToStringUTF8(error));
            }
        }
        return output[..(int)done];
    }
}
