using Voice.ApiService.Pools;
using Voice.Core.Billing;
using Voice.Core.Pools;
using Voice.Speech.Engines;

namespace Voice.Tests.Api;

/// <summary>
/// The router's choice over a set of pools: each job goes to a pool that makes its voice's mode in its language,
/// within the plan and the model the request named; what no pool can serve is refused with the field to fix.
/// </summary>
public sealed class PoolRouterTests
{
    private static readonly LivePool Espeak = Pool("espeak", "espeak", "espeak-ng", ["preset", "design", "clone"], ["en", "de", "ja"], "approximate");
    private static readonly LivePool Base = Pool("qwen3-base-1.7b", "qwen3-onnx", "Qwen3-TTS-12Hz-1.7B-Base", ["clone"], ["en", "zh"], "model");
    private static readonly LivePool Base06 = Pool("qwen3-base-0.6b", "qwen3-onnx", "Qwen3-TTS-12Hz-0.6B-Base", ["clone"], ["en", "zh"], "model");
    private static readonly LivePool Design = Pool("qwen3-design-1.7b", "qwen3-onnx", "Qwen3-TTS-12Hz-1.7B-VoiceDesign", ["design"], ["en", "zh"], "model");
    private static readonly IReadOnlyList<LivePool> Three = [Espeak, Base, Design];

    [Theory]
    [InlineData(VoiceMode.Clone, "en", "qwen3-base-1.7b")]
    [InlineData(VoiceMode.Design, "zh", "qwen3-design-1.7b")]
    [InlineData(VoiceMode.Preset, "en", "espeak")] // only the embedded engine speaks presets here
    [InlineData(VoiceMode.Clone, "de", "espeak")] // the models do not speak German: the engine that does
    public void EachModeGoesToTheBestPoolThatMakesItInTheLanguage(VoiceMode mode, string language, string expected)
    {
        var errors = new Dictionary<string, string[]>();
        var (route, refusal) = PoolRouter.Choose(Three, new RouteRequest(mode, language), Plan(), errors);

        Assert.Empty(errors);
        Assert.Null(refusal);
        Assert.Equal(expected, route!.Pool);
        Assert.Contains(mode, route.Engine.Capabilities.Modes);
    }

    [Fact]
    public void AModeNoPoolMakesIsRefusedNamingWhatThePoolsMake()
    {
        var errors = new Dictionary<string, string[]>();
        var (route, refusal) = PoolRouter.Choose([Base, Design], new RouteRequest(VoiceMode.Preset, "en", ModeField: "mode"), Plan(), errors);

        Assert.Null(route);
        Assert.Null(refusal);
        string message = Assert.Single(errors["mode"]);
        Assert.Contains("preset", message, StringComparison.Ordinal);
        Assert.Contains("clone, design", message, StringComparison.Ordinal);
    }

    [Fact]
    public void ALanguageNoPoolOfTheModeSpeaksIsRefusedNamingTheLanguagesThereAre()
    {
        var errors = new Dictionary<string, string[]>();
        var (route, _) = PoolRouter.Choose([Base, Design], new RouteRequest(VoiceMode.Clone, "ja"), Plan(), errors);

        Assert.Null(route);
        Assert.Equal("Unknown language 'ja' for clone voices. Supported: en, zh.", Assert.Single(errors["language"]));
    }

    [Fact]
    public void APlanLimitedToTheEmbeddedEngineGetsItEvenWhereAModelWouldBeChosen()
    {
        var (route, refusal) = PoolRouter.Choose(Three, new RouteRequest(VoiceMode.Clone, "en"), Plan(allowed: ["espeak"]), []);

        Assert.Null(refusal);
        Assert.Equal("espeak", route!.Pool);
    }

    [Fact]
    public void APlanMayNameOnePoolOfAnEngine()
    {
        var (route, _) = PoolRouter.Choose([Base, Base06], new RouteRequest(VoiceMode.Clone, "en"), Plan(allowed: ["qwen3-base-0.6b"]), []);

        Assert.Equal("qwen3-base-0.6b", route!.Pool);
    }

    [Fact]
    public void APlanThatAllowsNoneOfThePoolsIsA403()
    {
        var errors = new Dictionary<string, string[]>();
        var (route, refusal) = PoolRouter.Choose([Base, Design], new RouteRequest(VoiceMode.Clone, "en"), Plan(allowed: ["espeak"]), errors);

        Assert.Null(route);
        Assert.Empty(errors);
        Assert.Equal(403, refusal!.StatusCode);
    }

    [Fact]
    public void TheNamedModelPinsThePoolByItsNameEngineOrModelId()
    {
        Assert.Equal("qwen3-base-0.6b", PoolRouter.Choose([Base, Base06], new RouteRequest(VoiceMode.Clone, "en", Model: "qwen3-base-0.6b"), Plan(), []).Route!.Pool);
        Assert.Equal("qwen3-base-0.6b", PoolRouter.Choose([Base, Base06], new RouteRequest(VoiceMode.Clone, "en", Model: "Qwen3-TTS-12Hz-0.6B-Base"), Plan(), []).Route!.Pool);
        Assert.Equal("espeak", PoolRouter.Choose(Three, new RouteRequest(VoiceMode.Clone, "en", Model: "espeak"), Plan(), []).Route!.Pool);
    }

    [Fact]
    public void ANamedModelThatCannotMakeTheVoiceIsRefusedNotRoutedElsewhere()
    {
        var errors = new Dictionary<string, string[]>();
        var (route, _) = PoolRouter.Choose(Three, new RouteRequest(VoiceMode.Clone, "en", Model: "qwen3-design-1.7b"), Plan(), errors);

        Assert.Null(route);
        Assert.Contains("'qwen3-design-1.7b' makes", Assert.Single(errors["voice"]), StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownModelIsRefusedNamingTheRunningOnes()
    {
        var errors = new Dictionary<string, string[]>();
        PoolRouter.Choose(Three, new RouteRequest(VoiceMode.Clone, "en", Model: "gpt-5-voice"), Plan(), errors);

        Assert.Contains("espeak, qwen3-base-1.7b, qwen3-design-1.7b", Assert.Single(errors["model"]), StringComparison.Ordinal);

        PoolRouter.Choose(Three, new RouteRequest(VoiceMode.Clone, "en", Model: new string('m', 100_000)), Plan(), errors);
        Assert.True(Assert.Single(errors["model"]).Length < 300, "a long model name is not echoed back");
    }

    [Fact]
    public void AVoiceStaysWithThePromptFormatItWasPreparedInAndARestartingPoolStillCounts()
    {
        var restarting = Base06 with { Workers = 0 };
        var request = new RouteRequest(VoiceMode.Clone, "en", PromptFormat: PromptFormats.Of("qwen3-onnx", "Qwen3-TTS-12Hz-0.6B-Base"));

        Assert.Equal("qwen3-base-0.6b", PoolRouter.Choose([Base, restarting], request, Plan(), []).Route!.Pool);
        // Without a prepared format, a pool with workers comes before one that is restarting.
        Assert.Equal("qwen3-base-1.7b", PoolRouter.Choose([restarting, Base], request with { PromptFormat = null }, Plan(), []).Route!.Pool);
    }

    [Fact]
    public void WordTimingNarrowsThePools()
    {
        var timing = Espeak with { Pool = Espeak.Pool with { WordTimestamps = true } };
        Assert.Equal("espeak", PoolRouter.Choose([timing, Base], new RouteRequest(VoiceMode.Clone, "en", Words: true), Plan(), []).Route!.Pool);

        var errors = new Dictionary<string, string[]>();
        PoolRouter.Choose([Base], new RouteRequest(VoiceMode.Clone, "en", Words: true), Plan(), errors);
        Assert.Contains("time words", Assert.Single(errors["timestamps"]), StringComparison.Ordinal);
    }

    [Fact]
    public void TheRoutesEngineCarriesThePoolsLimits()
    {
        var route = PoolRouter.Choose([Base], new RouteRequest(VoiceMode.Clone, "en"), Plan(), []).Route!;

        Assert.Equal("qwen3-onnx", route.Engine.Name);
        Assert.Equal(5_000, route.Engine.Capabilities.MaxTextLength);
        Assert.Equal(["en", "zh"], route.Engine.Capabilities.Languages);
    }

    private static LivePool Pool(string name, string engine, string model, string[] modes, string[] languages, string fidelity) =>
        new(new PoolAnnouncement(name, engine, model, modes, languages, 24_000, 8, true, false, engine != "espeak", 5_000, fidelity), 1);

    private static PlanLimits Plan(string[]? allowed = null) => PlanLimits.Fallback("test") with { AllowedEngines = allowed ?? [] };
}
