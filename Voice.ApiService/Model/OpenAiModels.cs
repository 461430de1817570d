namespace Voice.ApiService.Model;

/// <summary>
/// <c>POST /v1/audio/speech</c>, as OpenAI documents it, and extensions: <c>timestamps: "word"</c> (with
/// <c>stream_format: "sse"</c>) adds <c>speech.audio.timestamps</c> events; the audio controls of the task API
/// (<c>sample_rate</c>, <c>seed</c>, <c>optimize_streaming_latency</c>, <c>previous_text</c>, <c>next_text</c>) and its
/// <c>ulaw_8000</c>/<c>alaw_8000</c> formats.
/// </summary>
public sealed record OpenAiSpeechRequest(
    string? Model,
    string? Input,
    string? Voice,
    string? ResponseFormat = null,
    float? Speed = null,
    string? Instructions = null,
    string? StreamFormat = null,
    string? Timestamps = null,
    int? SampleRate = null,
    long? Seed = null,
    int? OptimizeStreamingLatency = null,
    string? PreviousText = null,
    string? NextText = null);

public sealed record OpenAiModel(string Id, string Object, long Created, string OwnedBy);

public sealed record OpenAiModelList(string Object, IReadOnlyList<OpenAiModel> Data);

/// <summary>A voice for <c>voice</c>: a preset (its name is its id) or one of the tenant's ready voices.</summary>
public sealed record OpenAiVoice(string Id, string Name, string Kind, string? Description);

public sealed record OpenAiVoiceList(string Object, IReadOnlyList<OpenAiVoice> Data);
