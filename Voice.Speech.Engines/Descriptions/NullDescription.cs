namespace Voice.Speech.Engines;

/// <summary>The silent engine that measures the platform around synthesis.</summary>
public static class NullDescription
{
    public static readonly SpeechEngineCapabilities Capabilities = new(
        [VoiceMode.Preset, VoiceMode.Design, VoiceMode.Clone], SpeechLanguages.All, 24_000, MaxTextLength: 50_000,
        Streaming: true, RequiresGpu: false, MaxBatchSize: 16, Fidelity: "none");
}
