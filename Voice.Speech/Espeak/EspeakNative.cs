using System.Runtime.InteropServices;

namespace Voice.Speech.Espeak;

/// <summary>P/Invoke surface of <c>libespeak-ng.so.1</c> (speak_lib.h); only what the engine uses.</summary>
internal static unsafe partial class EspeakNative
{
    private const string Library = "libespeak-ng.so.1";

    public const int AudioOutputSynchronous = 2;
    public const int InitializeDontExit = 0x8000;
    public const uint CharsUtf8 = 1;
    public const uint EndPause = 0x1000;
    public const int PositionCharacter = 1;

    public const int EventWord = 1;
    public const int EventEnd = 5;
    public const int EventMessageTerminated = 6;

    public const int ErrorOk = 0;

    public enum Parameter
    {
        Rate = 1,
        Volume = 2,
        Pitch = 3,
        Range = 4,
    }

    /// <summary>espeak_EVENT on x64: 40 bytes (FACTS.md).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Event
    {
        public int Type;
        public uint UniqueIdentifier;
        public int TextPosition;
        public int Length;
        public int AudioPosition;
        public int Sample;
        public nint UserData;
        public long Id;
    }

    [LibraryImport(Library, EntryPoint = "espeak_Initialize", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Initialize(int output, int bufferLengthMs, string? path, int options);

    [LibraryImport(Library, EntryPoint = "espeak_SetSynthCallback")]
    public static partial void SetSynthCallback(delegate* unmanaged<short*, int, Event*, int> callback);

    [LibraryImport(Library, EntryPoint = "espeak_SetVoiceByName", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SetVoiceByName(string name);

    [LibraryImport(Library, EntryPoint = "espeak_SetParameter")]
    public static partial int SetParameter(Parameter parameter, int value, int relative);

    [LibraryImport(Library, EntryPoint = "espeak_Synth")]
    public static partial int Synth(byte* text, nuint size, uint position, int positionType, uint endPosition, uint flags, uint* uniqueIdentifier, void* userData);

    [LibraryImport(Library, EntryPoint = "espeak_Info")]
    public static partial nint Info(nint pathData);
}
