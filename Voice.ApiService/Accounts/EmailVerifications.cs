using Npgsql;
using Voice.Core.Audit;
using Voice.Core.Database;

namespace Voice.ApiService.Accounts;

/// <summary>A verification token to mail to a user (the only place it exists).</summary>
public sealed record VerificationMail(string Email, CredentialToken Token);

/// <summary>The calling user's address and when it was verified (null: not yet).</summary>
public sealed record EmailStatus(string Email, DateTimeOffset? VerifiedAt);

/// <summary>
/// Proof that a sign-up's owner reads the address they gave: a one-time token (24 hours) mailed to it. Until the
/// tenant's owner has verified, the tenant creates no API keys, so a script cannot turn throwaway addresses into
/// working keys. Tenants without an owner (made by the operator) are not affected; invited people are verified
/// when they accept, since the invitation reached their inbox.
/// </summary>
public sealed class EmailVerifications(TenantDatabase database, TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    /// <summary>A new token for an unverified user (their earlier ones stop working); null when they are verified or gone.</summary>
    public Task<VerificationMail?> IssueAsync(Guid tenantId, Guid userId, CancellationToken cancellationToken) =>
        database.InTenantAsync<VerificationMail?>(tenantId, async connection =>
        {
            string? email;
            await using (var find = new NpgsqlCommand("select email from users where id = $1 and email_verified_at is null", connection))
            {
                find.Parameters.Add(new() { Value = userId });
                email = await find.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
            }
            if (email is null)
            {
                return null;
            }
            await using (var voided = new NpgsqlCommand(
                "update account_tokens set used_at = now() where kind = 'email_verification' and used_at is null and user_id = $1", connection))
            {
                voided.Parameters.Add(new() { Value = userId });
                await voided.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            var token = await AccountTokens.IssueAsync(connection, tenantId, AccountTokenKinds.EmailVerification, email, null, userId, "system",
                clock.GetUtcNow() + Lifetime, cancellationToken).ConfigureAwait(false);
            await AuditLog.RecordAsync(connection, tenantId, "system", "user.email_verification_sent", $"user:{userId}", null, cancellationToken).ConfigureAwait(false);
            return new VerificationMail(email, token);
        }, cancellationToken);

    /// <summary>Verifies the address a token was mailed to; false for an invalid, used or expired token.</summary>
    public async Task<bool> VerifyAsync(string? tokenText, CancellationToken cancellationToken)
    {
        if (await AccountTokens.FindAsync(database, tokenText, AccountTokenKinds.EmailVerification, clock.GetUtcNow(), cancellationToken).ConfigureAwait(false) is not { } token)
        {
            return false;
        }
        return await database.InTenantAsync(token.TenantId, async connection =>
        {
            if (!await AccountTokens.UseAsync(connection, token.Id, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
            // Only while the user still has the address the token was sent to.
            await using var verify = new NpgsqlCommand("""
                update users u set email_verified_at = coalesce(u.email_verified_at, now())
                from account_tokens a where a.id = $1 and u.id = a.user_id and lower(u.email) = lower(a.email)
                returning u.id
                """, connection);
            verify.Parameters.Add(new() { Value = token.Id });
            if (await verify.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not Guid userId)
            {
                return false;
            }
            await AuditLog.RecordAsync(connection, token.TenantId, $"user:{userId}", "user.email_verified", $"user:{userId}", null, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task<EmailStatus?> StatusAsync(Guid tenantId, Guid userId, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand("select email, email_verified_at from users where id = $1", connection);
            command.Parameters.Add(new() { Value = userId });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? new EmailStatus(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1))
                : null;
        }, cancellationToken);

    /// <summary>False while the tenant has an owner whose address is not verified.</summary>
    public Task<bool> OwnerVerifiedAsync(Guid tenantId, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand("select not exists (select 1 from users where role = 'owner' and email_verified_at is null)", connection);
            return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }, cancellationToken);
}
