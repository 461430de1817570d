using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Voice.ApiService.Model;

namespace Voice.ApiService.Apis;

/// <summary>
/// Reads a JSON request body with the answers a client can act on: 415 when it is not JSON, 413 when it is
/// too large (checked while reading, not after), 400 <c>invalid-json</c> with the first thing that is wrong.
/// </summary>
public static partial class JsonBody
{
    public const int DefaultMaxBytes = 64 * 1024;

    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadAsync<T>(
        HttpContext context, JsonTypeInfo<T> type, CancellationToken cancellationToken, int maxBytes = DefaultMaxBytes)
        where T : class
    {
        if (!context.Request.HasJsonContentType())
        {
            return (null, Problems.Create(StatusCodes.Status415UnsupportedMediaType, Problems.UnsupportedMediaType,
                "The body must be JSON.", "Send Content-Type: application/json."));
        }
        if (context.Request.ContentLength > maxBytes)
        {
            return (null, TooLarge(maxBytes));
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes;
        }
        try
        {
            var value = await JsonSerializer.DeserializeAsync(context.Request.Body, type, cancellationToken);
            return value is null
                ? (null, Problems.Create(StatusCodes.Status400BadRequest, Problems.InvalidJson, "The body is not valid JSON.", "Expected a JSON object."))
                : (value, null);
        }
        catch (JsonException ex)
        {
            // The serializer's own messages name .NET types and internals: clients get a stable sentence and the path.
            string what = ex is StorableTextException ? FirstSentence(ex.Message) : ClientMessage(ex);
            return (null, Problems.Create(StatusCodes.Status400BadRequest, Problems.InvalidJson, "The body is not valid JSON.",
                ex.Path is { Length: > 1 } path ? $"Problem at '{path}': {what}" : what));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge(maxBytes));
        }
    }

    private static ProblemHttpResult TooLarge(int maxBytes) =>
        Problems.Create(StatusCodes.Status413PayloadTooLarge, Problems.PayloadTooLarge, "The body is too large.",
            $"Request bodies are limited to {maxBytes / 1024} KiB.");

    private static string ClientMessage(JsonException ex) =>
        UnmappedProperty().Match(ex.Message) is { Success: true } unmapped ? $"'{unmapped.Groups[1].Value}' is not a field of this request."
        : ex.Path is { Length: > 1 } ? "The value is malformed or of the wrong type."
        : "The body is malformed or is not a JSON object.";

    [System.Text.RegularExpressions.GeneratedRegex("^The JSON property '([^']{0,100})' could not be mapped")]
    private static partial System.Text.RegularExpressions.Regex UnmappedProperty();

    // Our own messages may go on after the first sentence (the rule); the first names the problem.
    private static string FirstSentence(string message)
    {
        int end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }
}
