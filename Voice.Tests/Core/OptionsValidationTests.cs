using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Voice.Core.Jobs;
using Voice.Core.Webhooks;
using Voice.Speech.Engines;

namespace Voice.Tests.Core;

/// <summary>A wrong setting stops start-up with a message that names it, instead of falling back silently.</summary>
public sealed class OptionsValidationTests
{
    [Theory]
    [InlineData("Speech:Engine", "piper", "Speech:Engine")]
    [InlineData("Speech:Provider", "tpu", "Speech:Provider")]
    [InlineData("Webhooks:AllowedPrivateNetworks:0", "10.0.0.0/33", "Webhooks:AllowedPrivateNetworks")]
    [InlineData("Queue:VisibilityTimeout", "00:00:00", "VisibilityTimeout")]
    public async Task WrongSettingStopsStartUpNamingIt(string key, string value, string named)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [key] = value });
        builder.AddValidatedOptions<SpeechOptions>(SpeechOptions.Section)
            .AddValidatedOptions<WebhookOptions>(WebhookOptions.Section)
            .AddValidatedOptions<QueueOptions>(QueueOptions.Section);
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DefaultsAreValid()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.AddValidatedOptions<SpeechOptions>(SpeechOptions.Section)
            .AddValidatedOptions<WebhookOptions>(WebhookOptions.Section)
            .AddValidatedOptions<QueueOptions>(QueueOptions.Section);
        using var host = builder.Build();

        await host.StartAsync();

        Assert.Equal(SpeechEngines.Espeak, host.Services.GetRequiredService<IOptions<SpeechOptions>>().Value.Engine);
        await host.StopAsync();
    }

    [Fact]
    public void TelemetryOutOfRangeStopsTheBuild()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Telemetry:TraceSampleRatio"] = "1.5" }).Build();

        var error = Assert.Throws<InvalidOperationException>(() => TelemetryOptions.From(configuration));

        Assert.Contains("TraceSampleRatio", error.Message, StringComparison.Ordinal);
        Assert.Null(TelemetryOptions.From(new ConfigurationBuilder().Build()).TraceSampleRatio);
    }
}
