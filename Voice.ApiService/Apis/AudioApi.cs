using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Voice.ApiService.Accounts;
using Voice.ApiService.Model;
using Voice.ApiService.Security;
using Voice.Audio;
using Voice.Audio.Decoding;
using Voice.Audio.Processing;

namespace Voice.ApiService.Apis;

/// <summary>
/// Checks a reference recording before it becomes a voice: decodes it safely (format found from the content,
/// limits enforced while decoding), prepares it as a clone would use it, and reports what it found.
/// </summary>
public static class AudioApi
{
    public static IEndpointRouteBuilder MapAudioApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/audio/analyze", AnalyzeAsync)
            .RequireAuthorization(Policies.Scope(Scopes.VoicesWrite))
            .WithTags("Audio")
            .Accepts<byte[]>("application/octet-stream", "audio/wav", "audio/mpeg", "audio/ogg", "audio/flac")
            .WithSummary("Validate a reference recording (WAV, MP3, Ogg Vorbis/Opus, FLAC; 1–60 s; ≤ 10 MB) and report its quality")
            .WithDescription("Send the file as the raw request body. Answers its quality report and the problems that would make a clone refuse it (empty when it is good enough), or an audio/* problem: too-large (413), unsupported-format (415), corrupt, too-short, too-long or silent (422).");
        return app;
    }

    public static async Task<Results<Ok<AudioAnalysis>, ProblemHttpResult>> AnalyzeAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var limits = AudioLimits.Reference;
        if (context.Request.ContentLength > limits.MaxBytes)
        {
            return Problem(new AudioProblemException(AudioProblemKind.TooLarge, $"The file is larger than {limits.MaxBytes / (1024 * 1024)} MB."));
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } max)
        {
            max.MaxRequestBodySize = limits.MaxBytes + 1;
        }
        try
        {
            var (audio, container) = await AudioDecoder.DecodeAsync(context.Request.Body, limits, cancellationToken);
            var prepared = AudioPreparer.PrepareReference(audio, limits);
            return TypedResults.Ok(new AudioAnalysis(container.ToString().ToLowerInvariant(), audio.SampleRate, audio.Channels,
                Math.Round(audio.Duration.TotalSeconds, 3), ReferenceQualityView.From(prepared.Report),
                [.. ReferenceQuality.Refusals(prepared.Report).Select(i => new QualityIssueView(i.Code, i.Message))]));
        }
        catch (AudioProblemException problem)
        {
            return Problem(problem);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Problem(new AudioProblemException(AudioProblemKind.TooLarge, $"The file is larger than {limits.MaxBytes / (1024 * 1024)} MB."));
        }
    }

    /// <summary>An upload problem as RFC 9457: 413 too large, 415 unsupported, 422 for content that decodes but is unusable.</summary>
    public static ProblemHttpResult Problem(AudioProblemException problem) => Problems.Create(
        problem.Kind switch
        {
            AudioProblemKind.TooLarge => StatusCodes.Status413PayloadTooLarge,
            AudioProblemKind.UnsupportedFormat => StatusCodes.Status415UnsupportedMediaType,
            _ => StatusCodes.Status422UnprocessableEntity,
        },
        Problems.BaseUri + "audio/" + problem.Slug,
        problem.Kind switch
        {
            AudioProblemKind.TooLarge => "The audio file is too large.",
            AudioProblemKind.UnsupportedFormat => "The audio format is not supported.",
            AudioProblemKind.Corrupt => "The audio file is damaged.",
            AudioProblemKind.TooShort => "The recording is too short.",
            AudioProblemKind.TooLong => "The recording is too long.",
            _ => "The recording is silent.",
        },
        problem.Message);
}
