using System.ClientModel;
using System.ClientModel.Primitives;
using Aspire.Hosting.Testing;
using OpenAI;
using OpenAI.Audio;

namespace Voice.Tests.Infrastructure;

public static class OpenAiClients
{
    /// <summary>OpenAI's own .NET client for <paramref name="model"/>, pointed at the running API's <c>/v1</c>.</summary>
    public static AudioClient CreateOpenAiAudioClient(this VoiceAppFixture app, string apiKey, string model = "tts-1") =>
        new(model, new ApiKeyCredential(apiKey), new OpenAIClientOptions
        {
            Endpoint = new Uri(app.App.GetEndpoint("api", "http"), "/v1"),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0), // a refusal is the answer under test, not something to wait out
        });
}
