using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Voice.ApiService.Services;

namespace Voice.ApiService.Accounts;

/// <summary>A mail to a person about their account: an invitation, a password reset or an address verification, carrying its one-time token.</summary>
public sealed record AccountMessage(string To, string Kind, string Subject, string Text, string Token, DateTimeOffset SentAt);

/// <summary>Where account mail goes (<c>Accounts:Mailbox</c>): the development mailbox, an SMTP server (<see cref="SmtpMailer"/>) or nowhere.</summary>
public interface IAccountMailer
{
    Task SendAsync(AccountMessage message, CancellationToken cancellationToken);
}

/// <summary>
/// The development mail sink (<c>Accounts:Mailbox=development</c>, the default in Development): messages are kept in
/// Redis for a day, twenty per address, and read back through <c>GET /admin/v1/mailbox?to=</c> (admin token). The log
/// says a mail was held — never its token.
/// </summary>
public sealed partial class DevelopmentMailbox(IConnectionMultiplexer redis, ILogger<DevelopmentMailbox> logger) : IAccountMailer
{
    private static readonly TimeSpan Keep = TimeSpan.FromDays(1);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task SendAsync(AccountMessage message, CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        var key = Key(message.To);
        await db.ListLeftPushAsync(key, JsonSerializer.Serialize(message, Json));
        await db.ListTrimAsync(key, 0, 19);
        await db.KeyExpireAsync(key, Keep);
        ApiMetrics.AccountMails.Add(1, new("kind", message.Kind), new("sink", "mailbox"));
        LogHeld(message.Kind, message.To);
    }

    /// <summary>The messages held for an address, newest first.</summary>
    public async Task<IReadOnlyList<AccountMessage>> ReadAsync(string to)
    {
        var values = await redis.GetDatabase().ListRangeAsync(Key(to), 0, -1);
        return [.. values.Select(v => JsonSerializer.Deserialize<AccountMessage>(v.ToString(), Json)!)];
    }

    private static RedisKey Key(string to) => "{voice}:mailbox:" + to.Trim().ToLowerInvariant();

    [LoggerMessage(EventId = 7101, Level = LogLevel.Information, Message = "Account mail ({Kind}) for {To} held in the development mailbox")]
    private partial void LogHeld(string kind, string to);
}

/// <summary>No mail sender configured: the mail is dropped with a warning, so an operator sees that invitations and resets cannot reach anyone.</summary>
public sealed partial class NoMailer(ILogger<NoMailer> logger) : IAccountMailer
{
    public Task SendAsync(AccountMessage message, CancellationToken cancellationToken)
    {
        ApiMetrics.AccountMails.Add(1, new("kind", message.Kind), new("sink", "dropped"));
        LogDropped(message.Kind);
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 7102, Level = LogLevel.Warning, Message = "Account mail ({Kind}) dropped: no mail sender is configured (Accounts:Mailbox)")]
    private partial void LogDropped(string kind);
}

/// <summary>The texts of account mails; links point at the portal (<c>Accounts:PortalUrl</c>) when it is known.</summary>
public sealed class AccountMails(IOptions<AccountsOptions> options, TimeProvider clock)
{
    private string Portal => (options.Value.PortalUrl ?? "").TrimEnd('/');

    // Each link says how long it lasts and until when (UTC, to the minute, rounded down): a mail can sit in a queue or
    // an inbox for a while, and "within 30 minutes" alone does not say from when.
    public AccountMessage Invitation(string to, string tenantName, string role, string token)
    {
        var now = clock.GetUtcNow();
        return new(to, "invite", $"You are invited to {tenantName} on Voice",
            $"You have been invited to join {tenantName} as {(role == "admin" ? "an admin" : "a member")}.\n"
            + $"Accept within seven days (until {Until(now, TeamStore.InviteLifetime)}): {Portal}/account/accept-invite?token={token}\n", token, now);
    }

    public AccountMessage PasswordReset(string to, string token)
    {
        var now = clock.GetUtcNow();
        return new(to, "password_reset", "Reset your Voice password",
            $"Someone asked to reset the password of this address on Voice. If it was you, choose a new one within 30 minutes (until {Until(now, PasswordResets.Lifetime)}):\n"
            + $"{Portal}/account/reset-password?token={token}\nIf it was not you, ignore this mail: nothing changes.\n", token, now);
    }

    /// <summary>The workspaces an address has an account in, each with its login link; no token (<c>Token</c> is empty).</summary>
    public AccountMessage Workspaces(string to, IReadOnlyList<(string Slug, string Name)> workspaces) => new(to, "workspaces",
        "Your Voice workspaces",
        "This address has an account in these workspaces on Voice:\n"
        + string.Concat(workspaces.Select(w => $"- {w.Name} (workspace id: {w.Slug}): {Portal}/account/login?tenant={w.Slug}\n"))
        + "Log in with this address and your password. If you did not ask for this list, ignore this mail.\n", "", clock.GetUtcNow());

    public AccountMessage EmailVerification(string to, string token)
    {
        var now = clock.GetUtcNow();
        return new(to, "email_verification", "Verify your email address for Voice",
            $"Confirm that this is your address within 24 hours (until {Until(now, EmailVerifications.Lifetime)}), so that your workspace can create API keys:\n"
            + $"{Portal}/account/verify-email?token={token}\nIf you did not sign up for Voice, ignore this mail.\n", token, now);
    }

    private static string Until(DateTimeOffset now, TimeSpan lifetime) =>
        (now + lifetime).UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
