using System.Runtime.InteropServices;
using System.Text;

namespace Voice.Speech.Espeak;

/// <summary>
/// The process-wide espeak-ng instance. espeak-ng keeps its voice and parameters in global state and is not
/// thread-safe (concurrent synthesis corrupts audio and can abort the process), so every call goes through
/// one gate and re-applies its own voice and parameters. Parallelism comes from more worker processes.
/// </summary>
internal static class EspeakSynthesizer
{
    public sealed record Settings(string VoiceName, int Rate, int Pitch, int Range, int Volume);

    /// <summary>
    /// A word event: the word's first code point (0-based) and length in code points within the synthesised
    /// text, and the sample it starts at. espeak-ng may report an event one buffer late, so the sample — not the
    /// arrival — says where the word is (FACTS.md).
    /// </summary>
    public readonly record struct Word(int Position, int Length, int Sample);

    /// <summary>The audio of one call and the words in it, in order.</summary>
    public sealed record Utterance(short[] Pcm, IReadOnlyList<Word> Words);

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static readonly Lazy<(int SampleRate, string Version)> Instance = new(Initialize);

    // Touched only by the synthesis callback, which runs on the calling thread inside the gate.
    private static List<short>? _collector;
    private static List<Word>? _words;
    private static volatile bool _abort;

    public static int SampleRate => Instance.Value.SampleRate;

    public static string Version => Instance.Value.Version;

    public static async Task<Utterance> SynthesizeAsync(string text, Settings settings, CancellationToken cancellationToken)
    {
        _ = Instance.Value;
        await Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var registration = cancellationToken.Register(static () => _abort = true);
            return SynthesizeLocked(text, settings);
        }
        finally
        {
            _abort = false;
            Gate.Release();
        }
    }

    private static unsafe Utterance SynthesizeLocked(string text, Settings settings)
    {
        Check(EspeakNative.SetVoiceByName(settings.VoiceName), $"set voice '{settings.VoiceName}'");
        Check(EspeakNative.SetParameter(EspeakNative.Parameter.Rate, settings.Rate, 0), "set rate");
        Check(EspeakNative.SetParameter(EspeakNative.Parameter.Pitch, settings.Pitch, 0), "set pitch");
        Check(EspeakNative.SetParameter(EspeakNative.Parameter.Range, settings.Range, 0), "set range");
        Check(EspeakNative.SetParameter(EspeakNative.Parameter.Volume, settings.Volume, 0), "set volume");

        var collector = new List<short>(text.Length * 1200);
        var words = new List<Word>();
        _collector = collector;
        _words = words;
        try
        {
            byte[] utf8 = new byte[Encoding.UTF8.GetByteCount(text) + 1]; // NUL-terminated
            Encoding.UTF8.GetBytes(text, utf8);
            int result;
            fixed (byte* p = utf8)
            {
                result = EspeakNative.Synth(p, (nuint)utf8.Length, 0, EspeakNative.PositionCharacter, 0,
                    EspeakNative.CharsUtf8 | EspeakNative.EndPause, null, null);
            }
            if (_abort)
            {
                throw new OperationCanceledException("Synthesis was canceled.");
            }
            Check(result, "synthesise");
        }
        finally
        {
            _collector = null;
            _words = null;
        }
        return new Utterance([.. collector], words);
    }

    [UnmanagedCallersOnly]
    private static unsafe int OnSynth(short* wav, int sampleCount, EspeakNative.Event* events)
    {
        if (wav != null && sampleCount > 0 && _collector is { } collector)
        {
            collector.AddRange(new ReadOnlySpan<short>(wav, sampleCount));
        }
        if (_words is { } words)
        {
            // The list ends with an event of type 0 (LIST_TERMINATED).
            for (var e = events; e != null && e->Type != 0; e++)
            {
                if (e->Type == EspeakNative.EventWord)
                {
                    words.Add(new Word(e->TextPosition - 1, e->Length, e->Sample));
                }
            }
        }
        return _abort ? 1 : 0;
    }

    private static unsafe (int, string) Initialize()
    {
        int rate = EspeakNative.Initialize(EspeakNative.AudioOutputSynchronous, 200, null, EspeakNative.InitializeDontExit);
        if (rate <= 0)
        {
            throw new InvalidOperationException("espeak-ng failed to initialise (is espeak-ng-data installed?).");
        }
        EspeakNative.SetSynthCallback(&OnSynth);
        return (rate, Marshal.PtrToStringUTF8(EspeakNative.Info(0)) ?? "unknown");
    }

    private static void Check(int result, string what)
    {
        if (result != EspeakNative.ErrorOk)
        {
            throw new InvalidOperationException($"espeak-ng could not {what} (error {result}).");
        }
    }
}
