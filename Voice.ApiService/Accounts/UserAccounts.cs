using Npgsql;
using Voice.Core.Audit;
using Voice.Core.Database;

namespace Voice.ApiService.Accounts;

/// <summary>
/// Portal accounts: sign-up (a new tenant and its owner), login and logout with server-side sessions.
/// Sign-up runs inside the new tenant's own scope, so row-level security checks even the first rows.
/// </summary>
public sealed class UserAccounts(TenantDatabase database, TimeProvider clock)
{
    public static readonly TimeSpan SessionLifetime = TimeSpan.FromHours(12);

    private sealed record LoginRow(Guid TenantId, string Status, Guid UserId, string Hash, string Role);

    public async Task<(SignUpResult Result, PortalSession? Session)> SignUpAsync(
        string tenantName, string slug, string email, string password, CancellationToken cancellationToken)
    {
        Guid tenantId = Guid.CreateVersion7();
        Guid userId = Guid.CreateVersion7();
        string passwordHash = await PasswordHasher.HashAsync(password, cancellationToken).ConfigureAwait(false);
        try
        {
            return (SignUpResult.Created, await database.InTenantAsync(tenantId, async connection =>
            {
                await using (var tenant = new NpgsqlCommand("insert into tenants (id, slug, name) values ($1, $2, $3)", connection))
                {
                    tenant.Parameters.Add(new() { Value = tenantId });
                    tenant.Parameters.Add(new() { Value = slug });
                    tenant.Parameters.Add(new() { Value = tenantName });
                    await tenant.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                await using (var user = new NpgsqlCommand(
                    "insert into users (id, tenant_id, email, password_hash, role) values ($1, $2, $3, $4, 'owner')", connection))
                {
                    user.Parameters.Add(new() { Value = userId });
                    user.Parameters.Add(new() { Value = tenantId });
                    user.Parameters.Add(new() { Value = email });
                    user.Parameters.Add(new() { Value = passwordHash });
                    await user.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                await AuditLog.RecordAsync(connection, tenantId, $"user:{userId}", "tenant.signed_up", $"tenant:{slug}", new { email }, cancellationToken).ConfigureAwait(false);
                return await StartSessionAsync(connection, tenantId, slug, userId, UserRoles.Owner, clock.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false));
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && ex.ConstraintName == "tenants_slug_key")
        {
            return (SignUpResult.SlugTaken, null);
        }
    }

    public async Task<(LoginResult Result, PortalSession? Session)> LoginAsync(string slug, string email, string password, CancellationToken cancellationToken)
    {
        var login = await database.WithoutTenantAsync(async connection =>
        {
            await using var command = new NpgsqlCommand("select tenant_id, tenant_status, user_id, password_hash, role from find_login($1, $2)", connection);
            command.Parameters.Add(new() { Value = slug });
            command.Parameters.Add(new() { Value = email });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? new LoginRow(reader.GetGuid(0), reader.GetString(1), reader.GetGuid(2), reader.GetString(3), reader.GetString(4))
                : null;
        }, cancellationToken).ConfigureAwait(false);

        // Verify against a decoy when there is no such user, so the time taken does not reveal which emails exist.
        bool valid = await PasswordHasher.VerifyAsync(password, login?.Hash ?? PasswordHasher.Decoy, cancellationToken).ConfigureAwait(false) && login is not null;
        if (!valid)
        {
            return (LoginResult.InvalidCredentials, null);
        }
        var (tenantId, status, userId, _, role) = login!;
        if (status != TenantStatus.Active)
        {
            return (LoginResult.TenantSuspended, null);
        }
        return (LoginResult.LoggedIn, await BeginSessionAsync(tenantId, slug, userId, role, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Starts a session for a user whose password was checked: the login is recorded and audited.</summary>
    public Task<PortalSession> BeginSessionAsync(Guid tenantId, string slug, Guid userId, string role, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            await using (var touch = new NpgsqlCommand("update users set last_login_at = now() where id = $1", connection))
            {
                touch.Parameters.Add(new() { Value = userId });
                await touch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await AuditLog.RecordAsync(connection, tenantId, $"user:{userId}", "user.logged_in", null, null, cancellationToken).ConfigureAwait(false);
            return await StartSessionAsync(connection, tenantId, slug, userId, role, clock.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    public Task<bool> LogoutAsync(Guid tenantId, string sessionId, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand("update user_sessions set revoked_at = coalesce(revoked_at, now()) where id = $1", connection);
            command.Parameters.Add(new() { Value = sessionId });
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken);

    public Task<TenantProfile?> GetTenantAsync(Guid tenantId, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand("select id, slug, name, plan, status, created_at from tenants", connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadTenant(reader) : null;
        }, cancellationToken);

    /// <summary>Renames the caller's own tenant (its slug never changes: keys, hosts and logins use it).</summary>
    public Task<TenantProfile?> RenameTenantAsync(Guid tenantId, string name, string actor, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            TenantProfile? tenant;
            await using (var command = new NpgsqlCommand("update tenants set name = $1 returning id, slug, name, plan, status, created_at", connection))
            {
                command.Parameters.Add(new() { Value = name });
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                tenant = await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadTenant(reader) : null;
            }
            if (tenant is not null)
            {
                await AuditLog.RecordAsync(connection, tenantId, actor, "tenant.renamed", $"tenant:{tenant.Slug}", new { name }, cancellationToken).ConfigureAwait(false);
            }
            return tenant;
        }, cancellationToken);

    internal static TenantProfile ReadTenant(NpgsqlDataReader reader) => new(
        reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5));

    internal static async Task<PortalSession> StartSessionAsync(NpgsqlConnection connection, Guid tenantId, string slug, Guid userId, string role,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var token = CredentialToken.NewSession();
        var expires = now + SessionLifetime;
        await using var command = new NpgsqlCommand(
            "insert into user_sessions (id, tenant_id, user_id, secret_hash, expires_at) values ($1, $2, $3, $4, $5)", connection);
        command.Parameters.Add(new() { Value = token.Id });
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = token.Hash() });
        command.Parameters.Add(new() { Value = expires });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return new PortalSession(token, expires, tenantId, slug, userId, role);
    }
}
