using Voice.ApiService.Submissions;
using Voice.Speech.Engines;

namespace Voice.ApiService.Model;

/// <summary>What a speech submission needs: its validation and its submission.</summary>
public sealed class SpeechServices(SpeechRequests requests, SpeechSubmissions submissions)
{
    public SpeechRequests Requests { get; } = requests;

    public SpeechSubmissions Submissions { get; } = submissions;
}

/// <summary>What the OpenAI speech route needs: validation, submission, the engine it names, the relay, the pools.</summary>
public sealed class OpenAiSpeechServices(SpeechRequests requests, SpeechSubmissions submissions, SpeechEngineDescriptor engine, SpeechRelay relay,
    Pools.PoolDirectory pools)
{
    /// <summary>The recent pools, whose names (and engines and model ids) are models a request may name too.</summary>
    public Pools.PoolDirectory Pools { get; } = pools;

    public SpeechRequests Requests { get; } = requests;

    public SpeechSubmissions Submissions { get; } = submissions;

    public SpeechEngineDescriptor Engine { get; } = engine;

    public SpeechRelay Relay { get; } = relay;
}
