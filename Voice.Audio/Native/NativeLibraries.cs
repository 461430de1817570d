using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Voice.Audio.Native;

/// <summary>
/// Finds the native codecs by soname: distributions ship different majors of the same API (libFLAC.so.12 on Debian 12
/// and Ubuntu 24.04, libFLAC.so.14 on Debian 13), and the dynamic linker's search path, not one directory, decides
/// where each lives.
/// </summary>
internal static class NativeLibraries
{
    /// <summary>Each library's logical name (as the P/Invoke declarations say it) and the sonames tried, newest first.</summary>
    private static readonly Dictionary<string, string[]> Sonames = new(StringComparer.Ordinal)
    {
        [LibFlac.Library] = ["libFLAC.so.14", "libFLAC.so.12"],
        [LibMp3Lame.Library] = ["libmp3lame.so.0"],
        [LibSoxr.Library] = ["libsoxr.so.0"],
    };

    [ModuleInitializer] // before any P/Invoke of this assembly binds, whichever class is used first
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "The resolver must be in place before the first P/Invoke binds.")]
    internal static void Register() => NativeLibrary.SetDllImportResolver(typeof(NativeLibraries).Assembly, Resolve);

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (!Sonames.TryGetValue(name, out var sonames))
        {
            return IntPtr.Zero;
        }
        foreach (string soname in sonames)
        {
            if (NativeLibrary.TryLoad(soname, assembly, searchPath, out var handle))
            {
                return handle;
            }
        }
        throw new DllNotFoundException($"None of {string.Join(", ", sonames)} could be loaded: install the distribution's package (tools/install-deps.sh).");
    }
}
