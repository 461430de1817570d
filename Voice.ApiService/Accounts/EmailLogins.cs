using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;
using StackExchange.Redis;
using Voice.Core.Database;

namespace Voice.ApiService.Accounts;

/// <summary>A workspace the person may enter: what the portal offers to choose from.</summary>
public sealed record WorkspaceChoice(string Slug, string Name, string Role);

public enum EmailLoginResult
{
    Chosen,
    InvalidCredentials,
    TenantSuspended,
}

/// <summary>
/// Login by email, without naming a workspace: the password is checked against every account of the address (at most
/// ten, <c>find_logins_by_email</c>), and the workspaces where it matches are offered under a one-time choice token
/// (five minutes, kept in Redis as its hash). Choosing one starts the session there. An unknown address costs one
/// password check, like an address with one account, so the answer and its time do not say which addresses exist.
/// </summary>
public sealed class EmailLogins(TenantDatabase database, IConnectionMultiplexer redis, UserAccounts accounts)
{
    public static readonly TimeSpan ChoiceLifetime = TimeSpan.FromMinutes(5);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public sealed record Account(Guid TenantId, string Slug, string Name, string Status, Guid UserId, string Hash, string Role);

    private sealed record Pending(Guid TenantId, string Slug, string Name, Guid UserId, string Role);

    /// <summary>The accounts of an address, oldest first, at most ten (no tenant scope: the function is a security definer).</summary>
    public Task<IReadOnlyList<Account>> FindAsync(string email, CancellationToken cancellationToken) =>
        database.WithoutTenantAsync<IReadOnlyList<Account>>(async connection =>
        {
            await using var command = new NpgsqlCommand(
                "select tenant_id, tenant_slug, tenant_name, tenant_status, user_id, password_hash, role from find_logins_by_email($1)", connection);
            command.Parameters.Add(new() { Value = email });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var found = new List<Account>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                found.Add(new(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetGuid(4), reader.GetString(5), reader.GetString(6)));
            }
            return found;
        }, cancellationToken);

    /// <summary>The workspaces where the password matches, under a choice token; none matched is <see cref="EmailLoginResult.InvalidCredentials"/>.</summary>
    public async Task<(EmailLoginResult Result, string? Token, IReadOnlyList<WorkspaceChoice> Workspaces)> AuthenticateAsync(
        string email, string password, CancellationToken cancellationToken)
    {
        var found = await FindAsync(email, cancellationToken).ConfigureAwait(false);
        var matched = new List<Account>();
        if (found.Count == 0)
        {
            await PasswordHasher.VerifyAsync(password, PasswordHasher.Decoy, cancellationToken).ConfigureAwait(false);
        }
        foreach (var account in found)
        {
            if (await PasswordHasher.VerifyAsync(password, account.Hash, cancellationToken).ConfigureAwait(false))
            {
                matched.Add(account);
            }
        }
        if (matched.Count == 0)
        {
            return (EmailLoginResult.InvalidCredentials, null, []);
        }
        var active = matched.Where(a => a.Status == TenantStatus.Active).Select(a => new Pending(a.TenantId, a.Slug, a.Name, a.UserId, a.Role)).ToList();
        if (active.Count == 0)
        {
            return (EmailLoginResult.TenantSuspended, null, []);
        }
        string token = "vc_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        await redis.GetDatabase().StringSetAsync(Key(token), JsonSerializer.Serialize(active, Json), ChoiceLifetime).ConfigureAwait(false);
        return (EmailLoginResult.Chosen, token, [.. active.Select(a => new WorkspaceChoice(a.Slug, a.Name, a.Role))]);
    }

    /// <summary>Uses a choice token (once) to start a session in one of its workspaces; null when the token or the workspace is not valid.</summary>
    public async Task<PortalSession?> ChooseAsync(string token, string slug, CancellationToken cancellationToken)
    {
        if (token.Length is < 10 or > 100)
        {
            return null;
        }
        var value = await redis.GetDatabase().StringGetDeleteAsync(Key(token)).ConfigureAwait(false);
        if (value.IsNullOrEmpty || JsonSerializer.Deserialize<List<Pending>>(value.ToString(), Json)?.FirstOrDefault(p => p.Slug == slug) is not { } chosen)
        {
            return null;
        }
        return await accounts.BeginSessionAsync(chosen.TenantId, chosen.Slug, chosen.UserId, chosen.Role, cancellationToken).ConfigureAwait(false);
    }

    private static RedisKey Key(string token) => "{voice}:login-choice:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
