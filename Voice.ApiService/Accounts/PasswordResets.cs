using Npgsql;
using Voice.Core.Audit;
using Voice.Core.Database;

namespace Voice.ApiService.Accounts;

/// <summary>A reset was asked for an existing user: the token to mail them (the only place it exists).</summary>
public sealed record PasswordResetMail(Guid TenantId, string Email, CredentialToken Token, DateTimeOffset ExpiresAt);

/// <summary>
/// Forgotten passwords: a one-time token (30 minutes) mailed to the user's address. Using it sets the new password,
/// ends every session of that user and voids their other reset tokens. Asking reveals nothing: the caller gets the
/// same answer whether or not the address exists.
/// </summary>
public sealed class PasswordResets(TenantDatabase database, TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(30);

    /// <summary>Issues a token when <paramref name="email"/> is a user of an active tenant <paramref name="slug"/>; otherwise null.</summary>
    public async Task<PasswordResetMail?> RequestAsync(string slug, string email, CancellationToken cancellationToken)
    {
        var user = await database.WithoutTenantAsync(async connection =>
        {
            await using var command = new NpgsqlCommand("select tenant_id, tenant_status, user_id from find_login($1, $2)", connection);
            command.Parameters.Add(new() { Value = slug });
            command.Parameters.Add(new() { Value = email });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && reader.GetString(1) == TenantStatus.Active
                ? (reader.GetGuid(0), reader.GetGuid(2))
                : ((Guid, Guid)?)null;
        }, cancellationToken).ConfigureAwait(false);
        if (user is not var (tenantId, userId))
        {
            return null;
        }
        var expires = clock.GetUtcNow() + Lifetime;
        return await database.InTenantAsync(tenantId, async connection =>
        {
            string address;
            await using (var find = new NpgsqlCommand("select email from users where id = $1", connection))
            {
                find.Parameters.Add(new() { Value = userId });
                address = (string)(await find.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            }
            var token = await AccountTokens.IssueAsync(connection, tenantId, AccountTokenKinds.PasswordReset, address, null, userId, "system", expires, cancellationToken)
                .ConfigureAwait(false);
            await AuditLog.RecordAsync(connection, tenantId, "system", "user.password_reset_requested", $"user:{userId}", null, cancellationToken).ConfigureAwait(false);
            return new PasswordResetMail(tenantId, address, token, expires);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sets a new password with a reset token; the tenant whose sessions were ended, or null for an invalid, used or expired token.</summary>
    public async Task<Guid?> ResetAsync(string? tokenText, string newPassword, CancellationToken cancellationToken)
    {
        if (await AccountTokens.FindAsync(database, tokenText, AccountTokenKinds.PasswordReset, clock.GetUtcNow(), cancellationToken).ConfigureAwait(false) is not { } token)
        {
            return null;
        }
        string hash = await PasswordHasher.HashAsync(newPassword, cancellationToken).ConfigureAwait(false);
        return await database.InTenantAsync<Guid?>(token.TenantId, async connection =>
        {
            if (!await AccountTokens.UseAsync(connection, token.Id, cancellationToken).ConfigureAwait(false))
            {
                return null;
            }
            await using var reset = new NpgsqlCommand("""
                with target as (select user_id from account_tokens where id = $1),
                     changed as (update users set password_hash = $2 where id = (select user_id from target) returning id),
                     ended as (update user_sessions set revoked_at = now() where user_id = (select user_id from target) and revoked_at is null),
                     voided as (update account_tokens set used_at = now()
                                where kind = 'password_reset' and used_at is null and user_id = (select user_id from target) and id <> $1)
                select id from changed
                """, connection);
            reset.Parameters.Add(new() { Value = token.Id });
            reset.Parameters.Add(new() { Value = hash });
            var userId = (Guid)(await reset.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            await AuditLog.RecordAsync(connection, token.TenantId, $"user:{userId}", "user.password_reset", $"user:{userId}", null, cancellationToken).ConfigureAwait(false);
            return token.TenantId;
        }, cancellationToken).ConfigureAwait(false);
    }
}
