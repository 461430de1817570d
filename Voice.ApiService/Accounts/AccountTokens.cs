using Npgsql;
using Voice.Core.Database;

namespace Voice.ApiService.Accounts;

public static class AccountTokenKinds
{
    public const string Invite = "invite";
    public const string PasswordReset = "password_reset";
    public const string EmailVerification = "email_verification";
}

/// <summary>A token as found from its text: which tenant it belongs to, once its secret, expiry and use were checked.</summary>
internal sealed record RedeemableToken(Guid TenantId, string Id, string Kind);

/// <summary>
/// One-time account tokens (<c>vt_&lt;id&gt;_&lt;secret&gt;</c>): invitations, password resets and email verifications, mailed to a person and
/// presented before they are signed in. Stored as SHA-256 only, like credentials; a token works once, until it expires.
/// </summary>
internal static class AccountTokens
{
    public static async Task<CredentialToken> IssueAsync(NpgsqlConnection connection, Guid tenantId, string kind, string email, string? role, Guid? userId,
        string createdBy, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var token = CredentialToken.NewAccountToken();
        await using var command = new NpgsqlCommand("""
            insert into account_tokens (id, tenant_id, kind, email, role, user_id, secret_hash, created_by, expires_at)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            """, connection);
        command.Parameters.Add(new() { Value = token.Id });
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = kind });
        command.Parameters.Add(new() { Value = email });
        command.Parameters.Add(new() { Value = (object?)role ?? DBNull.Value });
        command.Parameters.Add(new() { Value = (object?)userId ?? DBNull.Value });
        command.Parameters.Add(new() { Value = token.Hash() });
        command.Parameters.Add(new() { Value = createdBy });
        command.Parameters.Add(new() { Value = expiresAt });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return token;
    }

    /// <summary>The token's tenant when the text is a live token of <paramref name="kind"/> of an active tenant; otherwise null (one answer for every failure).</summary>
    public static async Task<RedeemableToken?> FindAsync(TenantDatabase database, string? text, string kind, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!CredentialToken.TryParseAccountToken(text, out var token))
        {
            return null;
        }
        return await database.WithoutTenantAsync(async connection =>
        {
            await using var command = new NpgsqlCommand(
                "select tenant_id, tenant_status, kind, secret_hash, expires_at, used_at from find_account_token($1)", connection);
            command.Parameters.Add(new() { Value = token.Value.Id });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }
            bool live = reader.GetString(1) == TenantStatus.Active && reader.GetString(2) == kind
                && token.Value.Matches(reader.GetFieldValue<byte[]>(3))
                && reader.GetFieldValue<DateTimeOffset>(4) > now && reader.IsDBNull(5);
            return live ? new RedeemableToken(reader.GetGuid(0), token.Value.Id, kind) : null;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Marks the token used inside the redeeming transaction; false when another request used it first.</summary>
    public static async Task<bool> UseAsync(NpgsqlConnection connection, string id, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "update account_tokens set used_at = now() where id = $1 and used_at is null and expires_at > now()", connection);
        command.Parameters.Add(new() { Value = id });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }
}
