using Voice.ApiService.Security;

namespace Voice.ApiService.Model;

/// <summary><c>POST /admin/v1/operators/tokens</c>: the operator the token is for.</summary>
public sealed record CreateOperatorTokenRequest(string? Name);

/// <summary>An operator token as listed: who, since when, last used, revoked — never the token.</summary>
public sealed record OperatorTokenView(Guid Id, string Name, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt)
{
    public static OperatorTokenView From(OperatorTokenInfo info) =>
        new(info.Id, info.Name, info.CreatedAt, info.CreatedBy, info.LastUsedAt, info.RevokedAt);
}

/// <summary>The 201 answer: the token, shown this once (only its hash is kept), and its row.</summary>
public sealed record CreatedOperatorToken(string Token, OperatorTokenView Info);

public sealed record OperatorTokenList(IReadOnlyList<OperatorTokenView> Tokens);
