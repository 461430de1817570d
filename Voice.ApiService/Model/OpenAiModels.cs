using System.Text.Json;
using System.Text.Json.Serialization;

namespace Voice.ApiService.Model;

/// <summary>
/// <c>POST /v1/audio/speech</c>, as OpenAI documents it (<c>voice</c> a name or <c>{"id": …}</c>), and extensions:
/// <c>timestamps: "word"</c> (with <c>stream_format: "sse"</c>) adds <c>speech.audio.timestamps</c> events;
/// <c>language</c> (an ISO code or <c>auto</c>, the default here; vLLM's servers take it too); the audio controls of the
/// task API (<c>sample_rate</c>, <c>seed</c>, <c>optimize_streaming_latency</c>, <c>previous_text</c>, <c>next_text</c>) and
/// its <c>ulaw_8000</c>/<c>alaw_8000</c> formats. Fields this route does not know — other servers' extensions such as
/// vLLM's <c>task_type</c>, OpenAI's newer ones — land in <see cref="Ignored"/>: clients written for those servers
/// work, and the answer names what was ignored.
/// </summary>
public sealed record OpenAiSpeechRequest(
    string? Model,
    string? Input,
    [property: JsonConverter(typeof(OpenAiVoiceConverter))] OpenAiVoiceChoice? Voice,
    string? ResponseFormat = null,
    float? Speed = null,
    string? Instructions = null,
    string? StreamFormat = null,
    string? Timestamps = null,
    string? Language = null,
    int? SampleRate = null,
    long? Seed = null,
    int? OptimizeStreamingLatency = null,
    string? PreviousText = null,
    string? NextText = null)
{
    // Settable, not init: the source generator would take an init property for a constructor parameter, which extension data cannot be.
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Ignored { get; set; }
}

/// <summary>OpenAI's <c>voice</c>: a preset name or voice id, as a string or as <c>{"id": "…"}</c>; <see cref="Id"/> is null for any other shape.</summary>
public sealed record OpenAiVoiceChoice(string? Id);

public sealed record OpenAiModel(string Id, string Object, long Created, string OwnedBy);

public sealed record OpenAiModelList(string Object, IReadOnlyList<OpenAiModel> Data);

/// <summary>A voice for <c>voice</c>: a preset (its name is its id) or one of the tenant's ready voices.</summary>
public sealed record OpenAiVoice(string Id, string Name, string Kind, string? Description);

public sealed record OpenAiVoiceList(string Object, IReadOnlyList<OpenAiVoice> Data);
