using System.ComponentModel.DataAnnotations;

namespace Voice.ApiService.Accounts;

/// <summary>Configuration section <c>Accounts</c>.</summary>
public sealed class AccountsOptions
{
    public const string Section = "Accounts";

    /// <summary>
    /// Where account mail goes: <c>development</c> (held in Redis, read through the admin API), <c>smtp</c> (sent
    /// through the server in <c>Accounts:Smtp</c>, see docs/mail.md) or <c>none</c> (dropped with a warning). Unset:
    /// <c>development</c> in Development, <c>none</c> elsewhere.
    /// </summary>
    [RegularExpression("^(development|smtp|none)$", ErrorMessage = "Accounts:Mailbox is development, smtp or none.")]
    public string? Mailbox { get; set; }

    /// <summary>The portal's address, for the links in invitations and password resets.</summary>
    [Url]
    public string? PortalUrl { get; set; }
}
