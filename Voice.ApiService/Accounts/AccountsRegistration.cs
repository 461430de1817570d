using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Voice.ApiService.Accounts;

namespace Microsoft.Extensions.Hosting;

public static class AccountsRegistration
{
    /// <summary>
    /// Account management, which only the API sees: credentials, users and sessions, API keys, the team and its
    /// invitations, password resets, email verification, tenant administration and account mail.
    /// </summary>
    public static IHostApplicationBuilder AddVoiceAccounts(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<AccountsOptions>(AccountsOptions.Section);
        builder.Services.AddSingleton<CredentialAuthenticator>();
        builder.Services.AddSingleton<UserAccounts>();
        builder.Services.AddSingleton<EmailLogins>();
        builder.Services.AddSingleton<UpgradeRequests>();
        builder.Services.AddSingleton<ApiKeyStore>();
        builder.Services.AddSingleton<TeamStore>();
        builder.Services.AddSingleton<PasswordResets>();
        builder.Services.AddSingleton<EmailVerifications>();
        builder.Services.AddSingleton<TenantAdministration>();
        builder.Services.AddSingleton<AccountMails>();
        // The development mailbox exists only where it is the sink: its admin endpoint answers 404 elsewhere.
        var options = builder.Configuration.GetSection(AccountsOptions.Section).Get<AccountsOptions>() ?? new();
        switch (options.Mailbox ?? (builder.Environment.IsDevelopment() ? "development" : "none"))
        {
            case "development":
                builder.Services.AddSingleton<DevelopmentMailbox>();
                builder.Services.AddSingleton<IAccountMailer>(sp => sp.GetRequiredService<DevelopmentMailbox>());
                break;
            case "smtp":
                builder.AddSmtpMailer();
                break;
            default:
                builder.Services.AddSingleton<IAccountMailer, NoMailer>();
                break;
        }
        return builder;
    }

    /// <summary>Account mail through SMTP: <c>Accounts:Smtp</c> is validated at start, and one instance both takes the mail and delivers it in the background.</summary>
    private static void AddSmtpMailer(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<SmtpOptions>(SmtpOptions.Section);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<SmtpMailer>();
        builder.Services.AddSingleton<IAccountMailer>(sp => sp.GetRequiredService<SmtpMailer>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SmtpMailer>());
    }
}
