using Voice.ApiService.Model;
using Voice.Speech.Engines;

namespace Voice.ApiService.Apis;

/// <summary>The voices a tenant can speak with (presets for now; cloned and designed voices come with voice profiles).</summary>
public static class VoicesApi
{
    public static IEndpointRouteBuilder MapVoicesApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/voices", ListVoices)
            .RequireAuthorization()
            .WithTags("Voices")
            .WithSummary("List the voices available to the caller");
        return app;
    }

    public static VoiceList ListVoices() => new(
        [.. PresetVoices.All.Select(v => new VoiceSummary(v.Name, v.Name, "preset", v.Gender.ToString().ToLowerInvariant(), v.Description, SpeechLanguages.All))]);
}
