using Microsoft.Extensions.Configuration;
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
        if ((options.Mailbox ?? (builder.Environment.IsDevelopment() ? "development" : "none")) == "development")
        {
            builder.Services.AddSingleton<DevelopmentMailbox>();
            builder.Services.AddSingleton<IAccountMailer>(sp => sp.GetRequiredService<DevelopmentMailbox>());
        }
        else
        {
            builder.Services.AddSingleton<IAccountMailer, NoMailer>();
        }
        return builder;
    }
}
