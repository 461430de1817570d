using System.Text.Json;
using Voice.ApiService.Model;

namespace Voice.Tests.Api;

/// <summary>How OpenAI's speech request reads: both forms of voice, unknown fields collected rather than refused.</summary>
public sealed class OpenAiSpeechRequestJsonTests
{
    [Theory]
    [InlineData("""{"voice": "marin"}""", "marin")]
    [InlineData("""{"voice": {"id": "voice_123"}}""", "voice_123")]
    [InlineData("""{"voice": {"name": "x", "id": "voice_123", "extra": [1, {"a": 2}]}}""", "voice_123")]
    [InlineData("""{"voice": {"id": 7}}""", null)]
    [InlineData("""{"voice": {}}""", null)]
    [InlineData("""{"voice": ["alloy"]}""", null)]
    [InlineData("""{"voice": 42}""", null)]
    public void VoiceIsANameOrAnObjectWithAnId(string body, string? id)
    {
        var request = Read(body);

        Assert.Equal(id, request.Voice!.Id);
    }

    [Fact]
    public void UnknownFieldsAreCollectedWithTheKnownOnesRead()
    {
        var request = Read("""{"model": "tts-1", "input": "Hi.", "voice": "alloy", "task_type": "CustomVoice", "foo": {"bar": 1}, "language": "auto"}""");

        Assert.Equal(["task_type", "foo"], request.Ignored!.Keys);
        Assert.Equal(("tts-1", "Hi.", "auto"), (request.Model, request.Input, request.Language));
    }

    [Fact]
    public void AVoiceIdIsCheckedLikeEveryString()
    {
        var error = Assert.ThrowsAny<JsonException>(() => Read("{\"voice\": {\"id\": \"a\\u0000b\"}}"));

        Assert.Contains("U+0000", error.Message, StringComparison.Ordinal);
    }

    private static OpenAiSpeechRequest Read(string body) => JsonSerializer.Deserialize(body, ApiJsonContext.Default.OpenAiSpeechRequest)!;
}
