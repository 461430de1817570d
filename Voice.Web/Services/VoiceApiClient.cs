using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Serialization;

namespace Voice.Web.Services;

public sealed record GenerateInput(
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("language")] string Language,
    [property: JsonPropertyName("voice")] string Voice,
    [property: JsonPropertyName("format")] string Format);

public sealed record Accepted([property: JsonPropertyName("task_id")] Guid TaskId, [property: JsonPropertyName("status")] string Status);

public sealed record ProblemBody(
    [property: JsonPropertyName("title")] string? Title,
    [property: JsonPropertyName("detail")] string? Detail,
    [property: JsonPropertyName("errors")] Dictionary<string, string[]>? Errors);

public sealed record TaskView(
    [property: JsonPropertyName("task_id")] Guid TaskId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("result_url")] string? ResultUrl,
    [property: JsonPropertyName("error")] ProblemBody? Error);

public sealed record VoiceView(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("description")] string Description,
    [property: JsonPropertyName("languages")] string[] Languages);

public sealed record VoiceListView([property: JsonPropertyName("data")] VoiceView[] Data);

/// <summary>
/// The portal's only way to the platform: the public API, reached through service discovery
/// (<c>http://api</c>), authenticated with the tenant's key. The portal keeps no data of its own.
/// </summary>
public sealed class VoiceApiClient(HttpClient http, IConfiguration configuration)
{
    public async Task<(Accepted? Accepted, ProblemBody? Problem)> GenerateAsync(GenerateInput input, CancellationToken cancellationToken)
    {
        using var request = Authorized(HttpMethod.Post, "/api/v1/voice/generate");
        request.Content = JsonContent.Create(input);
        using var response = await http.SendAsync(request, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return (await response.Content.ReadFromJsonAsync<Accepted>(cancellationToken), null);
        }
        return (null, await ReadProblemAsync(response, cancellationToken));
    }

    public async Task<TaskView?> GetTaskAsync(Guid id, CancellationToken cancellationToken)
    {
        using var request = Authorized(HttpMethod.Get, $"/api/v1/task/{id}");
        using var response = await http.SendAsync(request, cancellationToken);
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<TaskView>(cancellationToken) : null;
    }

    public async Task<IReadOnlyList<VoiceView>> ListVoicesAsync(CancellationToken cancellationToken)
    {
        using var request = Authorized(HttpMethod.Get, "/api/v1/voices");
        using var response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        var list = await response.Content.ReadFromJsonAsync<VoiceListView>(cancellationToken);
        return list?.Data ?? [];
    }

    /// <summary>Opens the result through its signed URL; only the path and query are used, so the API's host stays internal.</summary>
    public async Task<HttpResponseMessage> OpenResultAsync(string resultUrl, CancellationToken cancellationToken)
    {
        var signed = new Uri(resultUrl, UriKind.Absolute);
        using var request = new HttpRequestMessage(HttpMethod.Get, signed.PathAndQuery);
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    private HttpRequestMessage Authorized(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        string? key = configuration["Voice:ApiKey"];
        if (!string.IsNullOrEmpty(key))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        return request;
    }

    private static async Task<ProblemBody> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<ProblemBody>(cancellationToken) ?? new ProblemBody(response.ReasonPhrase, null, null);
        }
        catch (System.Text.Json.JsonException)
        {
            return new ProblemBody($"The API answered {(int)response.StatusCode}.", null, null);
        }
    }
}
