using System.Security.Claims;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Voice.ApiService.Model;
using Voice.ApiService.Security;

namespace Voice.ApiService.Apis;

/// <summary>
/// Operators' own tokens (<c>/admin/v1/operators/tokens</c>): named, shown once, listed without the secret, revoked at
/// once. The bootstrap token (<c>Admin:Token</c>) creates the first; every change is in the platform's audit log.
/// </summary>
public static partial class OperatorsApi
{
    public const int MaxNameLength = 64;

    public static IEndpointRouteBuilder MapOperatorsApi(this IEndpointRouteBuilder app)
    {
        var tokens = app.MapGroup("/admin/v1/operators/tokens").WithTags("Admin").RequireAuthorization(Policies.Admin);
        tokens.MapPost("/", CreateAsync).Accepts<CreateOperatorTokenRequest>("application/json")
            .WithSummary("Create an operator's token (answered once; only its hash is kept)");
        tokens.MapGet("/", ListAsync).WithSummary("Every operator token: name, created, last used, revoked (never the token)");
        tokens.MapDelete("/{tokenId:guid}", RevokeAsync).WithSummary("Revoke an operator's token; it is refused from now on");
        return app;
    }

    public static async Task<Results<Created<CreatedOperatorToken>, ProblemHttpResult>> CreateAsync(
        HttpContext context, ClaimsPrincipal user, OperatorTokens operators, CancellationToken cancellationToken)
    {
        var (request, problem) = await JsonBody.ReadAsync(context, ApiJsonContext.Default.CreateOperatorTokenRequest, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        string? name = request!.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength || !NamePattern().IsMatch(name))
        {
            return Problems.ValidationFailed(new() { ["name"] = [$"1–{MaxNameLength} letters, digits, spaces or - _ ."] });
        }
        if (string.Equals(name, OperatorTokens.BootstrapName, StringComparison.OrdinalIgnoreCase))
        {
            return Problems.ValidationFailed(new() { ["name"] = [$"'{OperatorTokens.BootstrapName}' is the configured token's operator."] });
        }
        var (result, token, info) = await operators.CreateAsync(name, OperatorTokens.ActorOf(user), cancellationToken);
        return result == OperatorTokenChange.Done
            ? TypedResults.Created($"/admin/v1/operators/tokens/{info!.Id}", new CreatedOperatorToken(token!, OperatorTokenView.From(info)))
            : Problems.Create(StatusCodes.Status409Conflict, Problems.Conflict, "An active token has that name.", "Revoke it first, or choose another name.");
    }

    public static async Task<Ok<OperatorTokenList>> ListAsync(OperatorTokens operators, CancellationToken cancellationToken) =>
        TypedResults.Ok(new OperatorTokenList([.. (await operators.ListAsync(cancellationToken)).Select(OperatorTokenView.From)]));

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(
        Guid tokenId, ClaimsPrincipal user, OperatorTokens operators, CancellationToken cancellationToken) =>
        await operators.RevokeAsync(tokenId, OperatorTokens.ActorOf(user), cancellationToken) == OperatorTokenChange.Done
            ? TypedResults.NoContent()
            : Problems.Create(StatusCodes.Status404NotFound, Problems.NotFound, "Operator token not found.", $"There is no operator token '{tokenId}'.");

    [GeneratedRegex(@"^[\p{L}\p{Nd}\-_. ]+\z")]
    private static partial Regex NamePattern();
}
