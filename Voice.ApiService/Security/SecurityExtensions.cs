using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Voice.ApiService.Accounts;

namespace Voice.ApiService.Security;

/// <summary>Authorization policies: one per scope, and one for the admin API.</summary>
public static class Policies
{
    public const string Admin = "admin";

    /// <summary>Reading the tenant's voices: what a key that speaks with them or manages them may do.</summary>
    public const string VoicesRead = "voices:read";

    /// <summary>
    /// The speech socket's upgrade: a credential with speech:write, or — only for a WebSocket upgrade that presents no
    /// credential header (browsers cannot set one) — none yet: the socket's first message authenticates it (Realtime/).
    /// </summary>
    public const string SpeechSocket = "speech-socket";

    public static string Scope(string scope) => "scope:" + scope;

    public static IHostApplicationBuilder AddVoiceSecurity(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<SecurityOptions>(SecurityOptions.Section);
        builder.AddValidatedOptions<AdminOptions>(AdminOptions.Section);
        builder.Services.AddSingleton<WindowCounters>();
        builder.Services.AddSingleton<AuthFailureLimiter>();
        builder.Services.AddSingleton<CredentialVerifier>();
        builder.Services.AddSingleton<LoginGuard>();
        builder.Services.AddSingleton<SignUpCap>();
        builder.Services.AddExceptionHandler<StoredObjectErrors>();
        builder.Services.AddSingleton<RequestRateLimiter>();
        builder.Services.AddSingleton<PortalCredential>();
        builder.Services.AddSingleton<OperatorTokens>();
        // No default scheme: each policy names its own, so an admin token is never tried as a tenant
        // credential (and counted as a failure), and anonymous endpoints authenticate nothing.
        builder.Services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, CredentialAuthenticationHandler>(CredentialAuthenticationHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, AdminAuthenticationHandler>(AdminAuthenticationHandler.SchemeName, null);

        var authorization = builder.Services.AddAuthorizationBuilder()
            .SetDefaultPolicy(new AuthorizationPolicyBuilder(CredentialAuthenticationHandler.SchemeName).RequireAuthenticatedUser().Build())
            .AddPolicy(Admin, policy => policy
                .AddAuthenticationSchemes(AdminAuthenticationHandler.SchemeName)
                .RequireAuthenticatedUser()
                .RequireRole("platform-admin"));
        authorization.AddPolicy(VoicesRead, policy => policy
            .AddAuthenticationSchemes(CredentialAuthenticationHandler.SchemeName)
            .RequireAuthenticatedUser()
            .RequireAssertion(context => context.User.HasClaim(CredentialAuthenticationHandler.ScopeClaim, Scopes.SpeechWrite)
                || context.User.HasClaim(CredentialAuthenticationHandler.ScopeClaim, Scopes.VoicesWrite)));
        authorization.AddPolicy(SpeechSocket, policy => policy
            .AddAuthenticationSchemes(CredentialAuthenticationHandler.SchemeName)
            .RequireAssertion(context => context.User.HasClaim(CredentialAuthenticationHandler.ScopeClaim, Scopes.SpeechWrite)
                || (context.Resource is HttpContext http && http.WebSockets.IsWebSocketRequest
                    && context.User.Identity?.IsAuthenticated != true && !CredentialAuthenticationHandler.PresentsCredential(http.Request.Headers))));
        foreach (string scope in Scopes.All)
        {
            authorization.AddPolicy(Scope(scope), policy => policy
                .AddAuthenticationSchemes(CredentialAuthenticationHandler.SchemeName)
                .RequireAuthenticatedUser()
                .RequireClaim(CredentialAuthenticationHandler.ScopeClaim, scope));
        }
        return builder;
    }
}
