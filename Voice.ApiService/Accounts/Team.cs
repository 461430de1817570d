using Npgsql;
using Voice.Core.Audit;
using Voice.Core.Database;

namespace Voice.ApiService.Accounts;

public sealed record TeamMember(Guid Id, string Email, string? DisplayName, string Role, DateTimeOffset CreatedAt, DateTimeOffset? LastLoginAt);

/// <summary>An open invitation (never its token, which exists only in the invitation mail and the inviter's answer).</summary>
public sealed record TeamInvite(string Id, string Email, string Role, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);

public enum TeamChange
{
    Done,
    NotFound,
    /// <summary>The owner's role and membership do not change (the workspace is deleted instead).</summary>
    Owner,
    /// <summary>Nobody changes their own role or removes themselves: another admin does, so a workspace never locks itself out by accident.</summary>
    Self,
    AlreadyMember,
    InvalidToken,
}

/// <summary>
/// A tenant's people: members with roles (owner, admin, member) and invitations by email. An invitation is a
/// one-time token (seven days); accepting it creates the user with the invited address and role and signs them in.
/// Every change is audited; a removed member's sessions go with them.
/// </summary>
public sealed class TeamStore(TenantDatabase database, TimeProvider clock)
{
    public static readonly TimeSpan InviteLifetime = TimeSpan.FromDays(7);

    public Task<(IReadOnlyList<TeamMember> Members, IReadOnlyList<TeamInvite> Invites)> ListAsync(Guid tenantId, CancellationToken cancellationToken) =>
        database.InTenantAsync<(IReadOnlyList<TeamMember>, IReadOnlyList<TeamInvite>)>(tenantId, async connection =>
        {
            var members = new List<TeamMember>();
            await using (var command = new NpgsqlCommand(
                "select id, email, display_name, role, created_at, last_login_at from users order by role = 'owner' desc, created_at", connection))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    members.Add(new(reader.GetGuid(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3),
                        reader.GetFieldValue<DateTimeOffset>(4), reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5)));
                }
            }
            var invites = new List<TeamInvite>();
            await using (var command = new NpgsqlCommand("""
                select id, email, role, created_by, created_at, expires_at from account_tokens
                where kind = 'invite' and used_at is null and expires_at > $1 order by created_at
                """, connection))
            {
                command.Parameters.Add(new() { Value = clock.GetUtcNow() });
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    invites.Add(new(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                        reader.GetFieldValue<DateTimeOffset>(4), reader.GetFieldValue<DateTimeOffset>(5)));
                }
            }
            return (members, invites);
        }, cancellationToken);

    /// <summary>The role of one of the tenant's users, or null.</summary>
    public Task<string?> RoleOfAsync(Guid tenantId, Guid userId, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand("select role from users where id = $1", connection);
            command.Parameters.Add(new() { Value = userId });
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
        }, cancellationToken);

    /// <summary>Invites an address with a role; an open invitation to the same address is replaced (its token stops working).</summary>
    public Task<(TeamChange Result, CredentialToken? Token, TeamInvite? Invite)> InviteAsync(
        Guid tenantId, string email, string role, string actor, CancellationToken cancellationToken) =>
        database.InTenantAsync<(TeamChange, CredentialToken?, TeamInvite?)>(tenantId, async connection =>
        {
            await using (var member = new NpgsqlCommand("select 1 from users where lower(email) = lower($1)", connection))
            {
                member.Parameters.Add(new() { Value = email });
                if (await member.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null)
                {
                    return (TeamChange.AlreadyMember, null, null);
                }
            }
            await using (var replace = new NpgsqlCommand(
                "delete from account_tokens where kind = 'invite' and used_at is null and lower(email) = lower($1)", connection))
            {
                replace.Parameters.Add(new() { Value = email });
                await replace.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            var now = clock.GetUtcNow();
            var token = await AccountTokens.IssueAsync(connection, tenantId, AccountTokenKinds.Invite, email, role, null, actor, now + InviteLifetime, cancellationToken)
                .ConfigureAwait(false);
            await AuditLog.RecordAsync(connection, tenantId, actor, "team.invited", $"invite:{token.Id}", new { email, role }, cancellationToken).ConfigureAwait(false);
            return (TeamChange.Done, token, new TeamInvite(token.Id, email, role, actor, now, now + InviteLifetime));
        }, cancellationToken);

    public Task<bool> RevokeInviteAsync(Guid tenantId, string inviteId, string actor, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand("delete from account_tokens where id = $1 and kind = 'invite' and used_at is null", connection);
            command.Parameters.Add(new() { Value = inviteId });
            if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                return false;
            }
            await AuditLog.RecordAsync(connection, tenantId, actor, "team.invite_revoked", $"invite:{inviteId}", null, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    public Task<TeamChange> ChangeRoleAsync(Guid tenantId, Guid userId, string role, Guid? callerUserId, string actor, CancellationToken cancellationToken) =>
        ChangeAsync(tenantId, userId, callerUserId, actor, "team.role_changed", new { role }, async connection =>
        {
            await using var command = new NpgsqlCommand("update users set role = $2 where id = $1", connection);
            command.Parameters.Add(new() { Value = userId });
            command.Parameters.Add(new() { Value = role });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>Removes a member; their sessions are deleted with them (foreign key), so they are signed out everywhere.</summary>
    public Task<TeamChange> RemoveAsync(Guid tenantId, Guid userId, Guid? callerUserId, string actor, CancellationToken cancellationToken) =>
        ChangeAsync(tenantId, userId, callerUserId, actor, "team.member_removed", null, async connection =>
        {
            await using var command = new NpgsqlCommand("delete from users where id = $1", connection);
            command.Parameters.Add(new() { Value = userId });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    private Task<TeamChange> ChangeAsync(Guid tenantId, Guid userId, Guid? callerUserId, string actor, string action, object? details,
        Func<NpgsqlConnection, Task> change, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            string? email;
            await using (var find = new NpgsqlCommand("select role, email from users where id = $1 for update", connection))
            {
                find.Parameters.Add(new() { Value = userId });
                await using var reader = await find.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return TeamChange.NotFound;
                }
                if (reader.GetString(0) == UserRoles.Owner)
                {
                    return TeamChange.Owner;
                }
                email = reader.GetString(1);
            }
            if (userId == callerUserId)
            {
                return TeamChange.Self;
            }
            await change(connection).ConfigureAwait(false);
            await AuditLog.RecordAsync(connection, tenantId, actor, action, $"user:{userId}", details ?? new { email }, cancellationToken).ConfigureAwait(false);
            return TeamChange.Done;
        }, cancellationToken);

    /// <summary>Accepts an invitation: the user is created with the invited address and role, and signed in. The address is
    /// verified: the invitation was mailed to it.</summary>
    public async Task<(TeamChange Result, PortalSession? Session)> AcceptAsync(string? tokenText, string password, string? displayName, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (await AccountTokens.FindAsync(database, tokenText, AccountTokenKinds.Invite, now, cancellationToken).ConfigureAwait(false) is not { } token)
        {
            return (TeamChange.InvalidToken, null);
        }
        string passwordHash = await PasswordHasher.HashAsync(password, cancellationToken).ConfigureAwait(false);
        try
        {
            return await database.InTenantAsync<(TeamChange, PortalSession?)>(token.TenantId, async connection =>
            {
                if (!await AccountTokens.UseAsync(connection, token.Id, cancellationToken).ConfigureAwait(false))
                {
                    return (TeamChange.InvalidToken, null);
                }
                Guid userId = Guid.CreateVersion7();
                string slug, role, email;
                await using (var create = new NpgsqlCommand("""
                    insert into users (id, tenant_id, email, display_name, password_hash, role, email_verified_at)
                    select $1, tenant_id, email, $3, $4, role, now() from account_tokens where id = $2
                    returning role, email, (select slug from tenants)
                    """, connection))
                {
                    create.Parameters.Add(new() { Value = userId });
                    create.Parameters.Add(new() { Value = token.Id });
                    create.Parameters.Add(new() { Value = (object?)displayName ?? DBNull.Value });
                    create.Parameters.Add(new() { Value = passwordHash });
                    await using var reader = await create.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                    (role, email, slug) = (reader.GetString(0), reader.GetString(1), reader.GetString(2));
                }
                await AuditLog.RecordAsync(connection, token.TenantId, $"user:{userId}", "team.invite_accepted", $"invite:{token.Id}", new { email, role }, cancellationToken)
                    .ConfigureAwait(false);
                return (TeamChange.Done, await UserAccounts.StartSessionAsync(connection, token.TenantId, slug, userId, role, now, cancellationToken).ConfigureAwait(false));
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && ex.ConstraintName == "users_tenant_email")
        {
            return (TeamChange.AlreadyMember, null); // the address joined by another way since it was invited
        }
    }
}
