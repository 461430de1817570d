namespace Voice.Audio;

/// <summary>The sample rate every engine's output is brought to before encoding (Qwen3-TTS's native rate).</summary>
public static class AudioFormat
{
    public const int PlatformSampleRate = 24_000;
}
