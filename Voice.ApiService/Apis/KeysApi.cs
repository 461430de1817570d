using Microsoft.AspNetCore.Http.HttpResults;
using Voice.ApiService.Accounts;
using Voice.ApiService.Model;
using Voice.ApiService.Security;
using Voice.Core.Audit;

namespace Voice.ApiService.Apis;

/// <summary>A tenant's own API keys (scope <c>keys:admin</c>). The secret is shown once, at creation.</summary>
public static class KeysApi
{
    public static IEndpointRouteBuilder MapKeysApi(this IEndpointRouteBuilder app)
    {
        var keys = app.MapGroup("/api/v1/keys")
            .WithTags("Keys")
            .RequireAuthorization(Policies.Scope(Scopes.KeysAdmin));

        keys.MapGet("/", ListAsync).WithSummary("List the tenant's API keys (without secrets)");
        keys.MapPost("/", CreateAsync).Accepts<CreateKeyRequest>("application/json").WithSummary("Create a key; its secret is in this answer only");
        keys.MapGet("/{id}", GetAsync).WithSummary("One key");
        keys.MapDelete("/{id}", RevokeAsync).WithSummary("Revoke a key (effective within a second on every replica)");
        return app;
    }

    public static async Task<Ok<KeyList>> ListAsync(HttpContext context, ApiKeyStore keys, CancellationToken cancellationToken) =>
        TypedResults.Ok(new KeyList([.. (await keys.ListAsync(context.Caller().TenantId, cancellationToken)).Select(View)]));

    /// <summary>Refused (403 <c>email-not-verified</c>) until the tenant's owner has verified their address.</summary>
    public static async Task<Results<Created<CreatedKey>, ProblemHttpResult>> CreateAsync(
        HttpContext context, ApiKeyStore keys, EmailVerifications verifications, TimeProvider clock, CancellationToken cancellationToken)
    {
        var (request, problem) = await JsonBody.ReadAsync(context, ApiJsonContext.Default.CreateKeyRequest, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var caller = context.Caller();
        if (!await verifications.OwnerVerifiedAsync(caller.TenantId, cancellationToken))
        {
            return Problems.Create(StatusCodes.Status403Forbidden, Problems.EmailNotVerified,
                "Verify the workspace owner's email address before creating API keys.",
                "The owner opens the link mailed at sign-up (POST /api/v1/auth/verify-email with its token); "
                + "signed in, they can ask for a new one with POST /api/v1/auth/verify-email/resend.");
        }
        var errors = new Dictionary<string, string[]>();
        string? name = Validation.Name(errors, "name", request!.Name);
        var scopes = Validation.KeyScopes(errors, "scopes", request.Scopes, caller.Scopes);
        Validation.FutureOrNull(errors, "expires_at", request.ExpiresAt, clock);
        if (errors.Count > 0)
        {
            return Problems.ValidationFailed(errors);
        }
        var (token, info) = await keys.CreateAsync(caller.TenantId, name!, scopes!, request.ExpiresAt, caller.Actor, cancellationToken);
        return TypedResults.Created($"/api/v1/keys/{info.Id}", new CreatedKey(token.ToString(), View(info)));
    }

    public static async Task<Results<Ok<KeyView>, ProblemHttpResult>> GetAsync(
        string id, HttpContext context, ApiKeyStore keys, AuditLog audit, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        var key = await keys.GetAsync(caller.TenantId, id, cancellationToken);
        if (key is null)
        {
            await audit.RecordForeignAccessAsync(caller.TenantId, "key", id, caller.Actor, cancellationToken);
            return KeyNotFound(id);
        }
        return TypedResults.Ok(View(key));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(
        string id, HttpContext context, ApiKeyStore keys, AuditLog audit, CredentialAuthenticator authenticator, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        if (!await keys.RevokeAsync(caller.TenantId, id, caller.Actor, cancellationToken))
        {
            await audit.RecordForeignAccessAsync(caller.TenantId, "key", id, caller.Actor, cancellationToken);
            return KeyNotFound(id);
        }
        authenticator.Forget(caller.TenantId, id);
        return TypedResults.NoContent();
    }

    public static KeyView View(ApiKeyInfo key) =>
        new(key.Id, key.Name, key.Scopes, key.CreatedAt, key.ExpiresAt, key.RevokedAt, key.LastUsedAt);

    private static ProblemHttpResult KeyNotFound(string id) =>
        Problems.Create(StatusCodes.Status404NotFound, Problems.NotFound, "Key not found.", $"There is no key '{id}'.");
}
