namespace Voice.Speech.Engines;

/// <summary>
/// Qwen3-TTS through ONNX Runtime as the API sees it before a model is loaded; the loaded engine narrows the
/// modes and languages to what its manifest says.
/// </summary>
public static class Qwen3Description
{
    public static readonly SpeechEngineCapabilities Capabilities = new(
        [VoiceMode.Preset, VoiceMode.Design, VoiceMode.Clone], SpeechLanguages.All, 24_000, MaxTextLength: 5_000,
        Streaming: true, RequiresGpu: true, MaxBatchSize: 8, Fidelity: "model", SpeedControl: false,
        StreamingLatencyControl: true);
}
