using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Voice.Web.Services;

/// <summary>The API answered 401 to the portal's session: it expired or was revoked. The portal signs the user out.</summary>
public sealed class SessionExpiredException() : Exception("The portal session is no longer valid.");

/// <summary>
/// The portal's only way to the platform: the public API, reached through service discovery
/// (<c>http://api</c>), authenticated with the signed-in user's session token. The portal keeps no data of its own.
/// </summary>
public sealed partial class VoiceApiClient(HttpClient http, IHttpContextAccessor accessor)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public Task<(SessionView? Session, ProblemBody? Problem)> SignUpAsync(string tenantName, string slug, string email, string password, CancellationToken cancellationToken) =>
        SendAsync<SessionView>(HttpMethod.Post, "/api/v1/auth/signup", new { tenantName, slug, email, password }, authenticated: false, cancellationToken);

    public Task<(SessionView? Session, ProblemBody? Problem)> LoginAsync(string tenant, string email, string password, CancellationToken cancellationToken) =>
        SendAsync<SessionView>(HttpMethod.Post, "/api/v1/auth/login", new { tenant, email, password }, authenticated: false, cancellationToken);

    public async Task LogoutAsync(CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Post, "/api/v1/auth/logout", authenticated: true);
        using var response = await http.SendAsync(request, cancellationToken);
    }

    public Task<(Accepted? Accepted, ProblemBody? Problem)> GenerateAsync(GenerateInput input, CancellationToken cancellationToken) =>
        SendAsync<Accepted>(HttpMethod.Post, "/api/v1/voice/generate", input, authenticated: true, cancellationToken);

    /// <summary>The task's live events (SSE), streamed through from the API.</summary>
    public async Task<HttpResponseMessage> OpenTaskEventsAsync(Guid id, CancellationToken cancellationToken)
    {
        var request = Request(HttpMethod.Get, $"/api/v1/task/{id}/events", authenticated: true);
        request.Headers.Accept.ParseAdd("text/event-stream");
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    public Task<ProblemBody?> CancelTaskAsync(Guid id, CancellationToken cancellationToken) =>
        SendForStatusAsync(HttpMethod.Delete, $"/api/v1/task/{id}", null, cancellationToken);

    public Task<ProblemBody?> RequestPasswordResetAsync(string tenant, string email, CancellationToken cancellationToken) =>
        SendForStatusAsync(HttpMethod.Post, "/api/v1/auth/password-reset", new { tenant, email }, cancellationToken, authenticated: false);

    public Task<ProblemBody?> ResetPasswordAsync(string token, string password, CancellationToken cancellationToken) =>
        SendForStatusAsync(HttpMethod.Post, "/api/v1/auth/password-reset/confirm", new { token, password }, cancellationToken, authenticated: false);

    public Task<ProblemBody?> VerifyEmailAsync(string token, CancellationToken cancellationToken) =>
        SendForStatusAsync(HttpMethod.Post, "/api/v1/auth/verify-email", new { token }, cancellationToken, authenticated: false);

    public async Task<EmailStatusView?> GetEmailStatusAsync(CancellationToken cancellationToken) =>
        (await SendAsync<EmailStatusView>(HttpMethod.Get, "/api/v1/auth/verify-email", null, authenticated: true, cancellationToken)).Value;

    public Task<ProblemBody?> ResendVerificationAsync(CancellationToken cancellationToken) =>
        SendForStatusAsync(HttpMethod.Post, "/api/v1/auth/verify-email/resend", null, cancellationToken);

    public Task<(SessionView? Session, ProblemBody? Problem)> AcceptInviteAsync(string token, string password, string? displayName, CancellationToken cancellationToken) =>
        SendAsync<SessionView>(HttpMethod.Post, "/api/v1/auth/accept-invite", new { token, password, displayName }, authenticated: false, cancellationToken);

    public async Task<TeamView> GetTeamAsync(CancellationToken cancellationToken) =>
        (await SendAsync<TeamView>(HttpMethod.Get, "/api/v1/team", null, authenticated: true, cancellationToken)).Value ?? new TeamView([], []);

    public Task<(CreatedInvite? Created, ProblemBody? Problem)> InviteAsync(string email, string role, CancellationToken cancellationToken) =>
        SendAsync<CreatedInvite>(HttpMethod.Post, "/api/v1/team/invites", new { email, role }, authenticated: true, cancellationToken);

    public Task<ProblemBody?> RevokeInviteAsync(string id, CancellationToken cancellationToken) =>
        SendForStatusAsync(HttpMethod.Delete, $"/api/v1/team/invites/{Uri.EscapeDataString(id)}", null, cancellationToken);

    public Task<ProblemBody?> ChangeRoleAsync(Guid userId, string role, CancellationToken cancellationToken) =>
        SendForStatusAsync(HttpMethod.Patch, $"/api/v1/team/members/{userId}", new { role }, cancellationToken);

    public Task<ProblemBody?> RemoveMemberAsync(Guid userId, CancellationToken cancellationToken) =>
        SendForStatusAsync(HttpMethod.Delete, $"/api/v1/team/members/{userId}", null, cancellationToken);

    public async Task<PlanView?> GetPlanAsync(CancellationToken cancellationToken) =>
        (await SendAsync<PlanView>(HttpMethod.Get, "/api/v1/tenant/plan", null, authenticated: true, cancellationToken)).Value;

    public Task<ProblemBody?> RenameTenantAsync(string name, CancellationToken cancellationToken) =>
        SendForStatusAsync(HttpMethod.Patch, "/api/v1/tenant", new { name }, cancellationToken);

    public Task<ProblemBody?> DeleteTenantAsync(string confirm, CancellationToken cancellationToken) =>
        SendForStatusAsync(HttpMethod.Delete, "/api/v1/tenant", new { confirm }, cancellationToken);

    public Task<(WebhookTestView? Result, ProblemBody? Problem)> TestWebhookAsync(Guid id, CancellationToken cancellationToken) =>
        SendAsync<WebhookTestView>(HttpMethod.Post, $"/api/v1/webhooks/{id}/test", null, authenticated: true, cancellationToken);

    public async Task<TaskView?> GetTaskAsync(Guid id, CancellationToken cancellationToken) =>
        (await SendAsync<TaskView>(HttpMethod.Get, $"/api/v1/task/{id}", null, authenticated: true, cancellationToken)).Value;

    public async Task<TenantView?> GetTenantAsync(CancellationToken cancellationToken) =>
        (await SendAsync<TenantView>(HttpMethod.Get, "/api/v1/tenant", null, authenticated: true, cancellationToken)).Value;

    /// <summary>The presets, then the tenant's voices that can speak.</summary>
    public async Task<IReadOnlyList<VoiceView>> ListVoicesAsync(CancellationToken cancellationToken) =>
        (await SendAsync<VoiceListView>(HttpMethod.Get, "/api/v1/voices", null, authenticated: true, cancellationToken)).Value is { } list
            ? [.. list.Presets, .. list.Voices.Where(v => v.Status != "failed")]
            : [];

    /// <summary>The presets and the tenant's own voices, apart.</summary>
    public async Task<VoiceListView> ListVoiceLibraryAsync(CancellationToken cancellationToken) =>
        (await SendAsync<VoiceListView>(HttpMethod.Get, "/api/v1/voices?limit=100", null, authenticated: true, cancellationToken)).Value ?? new VoiceListView([], []);

    /// <summary>The live models; null when the API did not list them (the portal then offers everything and the API decides).</summary>
    public async Task<IReadOnlyList<ModelView>?> ListModelsAsync(CancellationToken cancellationToken) =>
        (await SendAsync<ModelList>(HttpMethod.Get, "/api/v1/models", null, authenticated: true, cancellationToken)).Value?.Models;

    public async Task<VoiceView?> GetVoiceAsync(string id, CancellationToken cancellationToken) =>
        (await SendAsync<VoiceView>(HttpMethod.Get, $"/api/v1/voices/{Uri.EscapeDataString(id)}", null, authenticated: true, cancellationToken)).Value;

    public Task<(VoiceView? Voice, ProblemBody? Problem)> DesignVoiceAsync(string name, string description, string language, CancellationToken cancellationToken) =>
        SendAsync<VoiceView>(HttpMethod.Post, "/api/v1/voices", new { name, description, language }, authenticated: true, cancellationToken);

    /// <summary>Clones a voice from an uploaded recording (passed through as it came, the API checks it).</summary>
    public async Task<(VoiceView? Voice, ProblemBody? Problem)> CloneVoiceAsync(Stream audio, string fileName, string? contentType, string name, string? referenceText,
        string consent, string language, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Post, "/api/v1/voices", authenticated: true);
        var form = new MultipartFormDataContent();
        var file = new StreamContent(audio);
        file.Headers.ContentType = new MediaTypeHeaderValue(contentType is { Length: > 0 } ? contentType : "application/octet-stream");
        form.Add(file, "audio", fileName);
        form.Add(new StringContent(name), "name");
        form.Add(new StringContent(consent), "consent");
        form.Add(new StringContent(language), "language");
        if (!string.IsNullOrWhiteSpace(referenceText))
        {
            form.Add(new StringContent(referenceText), "reference_text");
        }
        request.Content = form;
        return await ReadAsync<VoiceView>(request, authenticated: true, cancellationToken);
    }

    public Task<bool> DeleteVoiceAsync(string id, CancellationToken cancellationToken) =>
        DeleteAsync($"/api/v1/voices/{Uri.EscapeDataString(id)}", cancellationToken);

    public async Task<UsageSeriesView?> GetUsageAsync(CancellationToken cancellationToken) =>
        (await SendAsync<UsageSeriesView>(HttpMethod.Get, "/api/v1/usage?granularity=day", null, authenticated: true, cancellationToken)).Value;

    public async Task<QuotaView?> GetQuotaAsync(CancellationToken cancellationToken) =>
        (await SendAsync<QuotaView>(HttpMethod.Get, "/api/v1/usage/quota", null, authenticated: true, cancellationToken)).Value;

    /// <summary>This month's usage records as CSV, streamed through from the API.</summary>
    public async Task<HttpResponseMessage> OpenUsageCsvAsync(CancellationToken cancellationToken)
    {
        var request = Request(HttpMethod.Get, "/api/v1/usage/records?format=csv&limit=1000", authenticated: true);
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    public async Task<IReadOnlyList<WebhookView>> ListWebhooksAsync(CancellationToken cancellationToken) =>
        (await SendAsync<WebhookList>(HttpMethod.Get, "/api/v1/webhooks", null, authenticated: true, cancellationToken)).Value?.Data ?? [];

    public Task<(CreatedWebhook? Created, ProblemBody? Problem)> CreateWebhookAsync(string url, string? description, CancellationToken cancellationToken) =>
        SendAsync<CreatedWebhook>(HttpMethod.Post, "/api/v1/webhooks", new { url, description }, authenticated: true, cancellationToken);

    public async Task<IReadOnlyList<DeliveryView>> ListDeliveriesAsync(Guid webhookId, CancellationToken cancellationToken) =>
        (await SendAsync<DeliveryList>(HttpMethod.Get, $"/api/v1/webhooks/{webhookId}/deliveries", null, authenticated: true, cancellationToken)).Value?.Data ?? [];

    public Task<bool> DeleteWebhookAsync(Guid id, CancellationToken cancellationToken) =>
        DeleteAsync($"/api/v1/webhooks/{id}", cancellationToken);

    public async Task<IReadOnlyList<KeyView>> ListKeysAsync(CancellationToken cancellationToken) =>
        (await SendAsync<KeyList>(HttpMethod.Get, "/api/v1/keys", null, authenticated: true, cancellationToken)).Value?.Data ?? [];

    public Task<(CreatedKey? Created, ProblemBody? Problem)> CreateKeyAsync(string name, IReadOnlyList<string> scopes, CancellationToken cancellationToken) =>
        SendAsync<CreatedKey>(HttpMethod.Post, "/api/v1/keys", new { name, scopes }, authenticated: true, cancellationToken);

    public async Task<ProblemBody?> RevokeKeyAsync(string id, CancellationToken cancellationToken) =>
        await DeleteAsync($"/api/v1/keys/{Uri.EscapeDataString(id)}", cancellationToken) ? null : new ProblemBody(null, "The key could not be revoked.", null, null);

    public async Task<TaskListView> ListTasksAsync(string? status, Guid? before, CancellationToken cancellationToken)
    {
        string query = $"/api/v1/tasks?limit=25{(status is null ? "" : "&status=" + Uri.EscapeDataString(status))}{(before is null ? "" : $"&before={before}")}";
        return (await SendAsync<TaskListView>(HttpMethod.Get, query, null, authenticated: true, cancellationToken)).Value ?? new TaskListView([], null);
    }

    /// <summary>Opens the result through its signed URL; only the path and query are used, so the API's host stays internal.</summary>
    public async Task<HttpResponseMessage> OpenResultAsync(string resultUrl, CancellationToken cancellationToken)
    {
        var signed = new Uri(resultUrl, UriKind.Absolute);
        using var request = new HttpRequestMessage(HttpMethod.Get, signed.PathAndQuery);
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    /// <summary>DELETEs an object of the tenant's; true when the API answered with success.</summary>
    private async Task<bool> DeleteAsync(string path, CancellationToken cancellationToken) =>
        await SendForStatusAsync(HttpMethod.Delete, path, null, cancellationToken) is null;

    /// <summary>Sends a request whose success has no body worth reading; null on success, else the problem.</summary>
    private async Task<ProblemBody?> SendForStatusAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken, bool authenticated = true)
    {
        using var request = Request(method, path, authenticated);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: Json);
        }
        using var response = await http.SendAsync(request, cancellationToken);
        if (authenticated && response.StatusCode == HttpStatusCode.Unauthorized)
        {
            throw new SessionExpiredException();
        }
        return response.IsSuccessStatusCode ? null : await ReadProblemAsync(response, cancellationToken);
    }

    private static async Task<ProblemBody> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<ProblemBody>(Json, cancellationToken) ?? new ProblemBody(null, response.ReasonPhrase, null, null);
        }
        catch (JsonException)
        {
            return new ProblemBody(null, $"The API answered {(int)response.StatusCode}.", null, null);
        }
    }

    /// <summary>
    /// Sends a request and reads its answer. A change the workspace's request rate refused (429, retry within 2 s) is
    /// sent again, up to 3 times: the rate limiter refuses before anything is done, and the portal's own pages (players
    /// waiting for samples, cards watching a voice) spend the same budget, which must not cost the user their click.
    /// Reads are retried by the HTTP client's resilience handler already.
    /// </summary>
    private async Task<(T? Value, ProblemBody? Problem)> SendAsync<T>(HttpMethod method, string path, object? body, bool authenticated, CancellationToken cancellationToken)
        where T : class
    {
        for (int attempt = 1; ; attempt++)
        {
            using var request = Request(method, path, authenticated);
            if (body is not null)
            {
                request.Content = JsonContent.Create(body, options: Json);
            }
            if (method == HttpMethod.Get || !authenticated || attempt == RateLimitedTries)
            {
                return await ReadAsync<T>(request, authenticated, cancellationToken);
            }
            using var response = await http.SendAsync(request, cancellationToken);
            if (response.StatusCode == HttpStatusCode.TooManyRequests && response.Headers.RetryAfter?.Delta is { } wait && wait <= TimeSpan.FromSeconds(2))
            {
                var problem = await ReadProblemAsync(response, cancellationToken);
                if (problem.Type?.EndsWith("/rate-limited", StringComparison.Ordinal) != true)
                {
                    return (null, problem);
                }
                await Task.Delay(wait + TimeSpan.FromMilliseconds(100), cancellationToken);
                continue;
            }
            return await ReadAsync<T>(response, authenticated, cancellationToken);
        }
    }

    private const int RateLimitedTries = 3;

    private async Task<(T? Value, ProblemBody? Problem)> ReadAsync<T>(HttpRequestMessage request, bool authenticated, CancellationToken cancellationToken)
        where T : class
    {
        using var response = await http.SendAsync(request, cancellationToken);
        return await ReadAsync<T>(response, authenticated, cancellationToken);
    }

    private static async Task<(T? Value, ProblemBody? Problem)> ReadAsync<T>(HttpResponseMessage response, bool authenticated, CancellationToken cancellationToken)
        where T : class
    {
        if (authenticated && response.StatusCode == HttpStatusCode.Unauthorized)
        {
            throw new SessionExpiredException();
        }
        if (response.IsSuccessStatusCode)
        {
            return (await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken), null);
        }
        return (null, await ReadProblemAsync(response, cancellationToken));
    }

    private HttpRequestMessage Request(HttpMethod method, string path, bool authenticated)
    {
        var request = new HttpRequestMessage(method, path);
        // The API throttles failed logins per client address: pass on the browser's, not the portal's.
        if (accessor.HttpContext?.Connection.RemoteIpAddress is { } client)
        {
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", client.ToString());
        }
        if (authenticated && accessor.HttpContext?.User.FindFirst(PortalClaims.SessionToken)?.Value is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return request;
    }
}
