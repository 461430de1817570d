namespace Voice.Web.Services;

// Logging in by email, finding one's workspaces, the plans on offer and the workspace's upgrade request.
public sealed partial class VoiceApiClient
{
    public Task<(EmailLoginView? Login, ProblemBody? Problem)> LoginByEmailAsync(string email, string password, CancellationToken cancellationToken) =>
        SendAsync<EmailLoginView>(HttpMethod.Post, "/api/v1/auth/login/email", new { email, password }, authenticated: false, cancellationToken);

    public Task<(SessionView? Session, ProblemBody? Problem)> ChooseWorkspaceAsync(string choiceToken, string tenant, CancellationToken cancellationToken) =>
        SendAsync<SessionView>(HttpMethod.Post, "/api/v1/auth/login/choose", new { choiceToken, tenant }, authenticated: false, cancellationToken);

    public Task<ProblemBody?> FindWorkspacesAsync(string email, CancellationToken cancellationToken) =>
        SendForStatusAsync(HttpMethod.Post, "/api/v1/auth/find-workspaces", new { email }, cancellationToken, authenticated: false);

    public async Task<PlanOfferView[]> ListPlansAsync(CancellationToken cancellationToken) =>
        (await SendAsync<PlanOfferList>(HttpMethod.Get, "/api/v1/plans", null, authenticated: false, cancellationToken)).Value?.Data ?? [];

    /// <summary>The workspace's latest plan request, or null when it never asked.</summary>
    public async Task<UpgradeRequestView?> GetUpgradeRequestAsync(CancellationToken cancellationToken) =>
        (await SendAsync<UpgradeRequestView>(HttpMethod.Get, "/api/v1/tenant/upgrade-request", null, authenticated: true, cancellationToken)).Value;

    public Task<(UpgradeRequestView? Request, ProblemBody? Problem)> RequestUpgradeAsync(string plan, string? note, CancellationToken cancellationToken) =>
        SendAsync<UpgradeRequestView>(HttpMethod.Post, "/api/v1/tenant/upgrade-request", new { plan, note }, authenticated: true, cancellationToken);
}
