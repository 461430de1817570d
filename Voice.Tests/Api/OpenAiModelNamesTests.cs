using Voice.ApiService.Apis;

namespace Voice.Tests.Api;

/// <summary>OpenAI's model names: the aliases and their dated or numbered snapshots, nothing else.</summary>
public sealed class OpenAiModelNamesTests
{
    [Theory]
    [InlineData("tts-1")]
    [InlineData("tts-1-hd")]
    [InlineData("gpt-4o-mini-tts")]
    [InlineData("gpt-4o-mini-tts-2025-03-20")]
    [InlineData("gpt-4o-mini-tts-2025-12-15")]
    [InlineData("tts-1-1106")]
    [InlineData("tts-1-hd-1106")]
    public void AliasesAndTheirSnapshotsAreOpenAis(string model)
    {
        Assert.True(OpenAiModelNames.IsOpenAis(model));
    }

    [Theory]
    [InlineData("tts-2")]
    [InlineData("TTS-1")]
    [InlineData("gpt-4o-mini-tts-preview")]
    [InlineData("gpt-4o-mini-tts-2025-13-45")] // not a date
    [InlineData("tts-1-11066")]
    [InlineData("tts-1-hd-")]
    [InlineData("tts-1-١١٠٦")] // digits of another script
    [InlineData("dall-e-3")]
    [InlineData("")]
    public void AnythingElseIsNot(string model)
    {
        Assert.False(OpenAiModelNames.IsOpenAis(model));
    }
}
