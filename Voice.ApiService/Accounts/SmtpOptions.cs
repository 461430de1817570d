using System.ComponentModel.DataAnnotations;
using MailKit.Security;

namespace Voice.ApiService.Accounts;

/// <summary>
/// Configuration section <c>Accounts:Smtp</c>, bound and validated only where <c>Accounts:Mailbox=smtp</c>: then a
/// missing host or sender stops the API at start rather than at the first invitation.
/// </summary>
public sealed class SmtpOptions : IValidatableObject
{
    public const string Section = "Accounts:Smtp";

    [Required(ErrorMessage = "Accounts:Smtp:Host is required when Accounts:Mailbox is smtp.")]
    public string? Host { get; set; }

    [Range(1, 65535, ErrorMessage = "Accounts:Smtp:Port is 1 to 65535.")]
    public int Port { get; set; } = 587;

    /// <summary><c>starttls</c> (the default: plain connect, then STARTTLS, which must succeed), <c>tls</c> (TLS from the first byte, usually port 465) or <c>none</c>.</summary>
    [RegularExpression("^(none|starttls|tls)$", ErrorMessage = "Accounts:Smtp:Security is none, starttls or tls.")]
    public string Security { get; set; } = "starttls";

    /// <summary>With <see cref="Password"/>: the server's login. Both or neither.</summary>
    public string? UserName { get; set; }

    /// <summary>A secret: it is never logged.</summary>
    public string? Password { get; set; }

    [Required(ErrorMessage = "Accounts:Smtp:From is required when Accounts:Mailbox is smtp.")]
    [EmailAddress(ErrorMessage = "Accounts:Smtp:From is an email address.")]
    public string? From { get; set; }

    public string FromName { get; set; } = "Voice";

    /// <summary>The bound on one attempt: connect, TLS, login and send together.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "Accounts:Smtp:Timeout is 1 second to 10 minutes.")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Attempts per mail when the failure is transient (no connection, a timeout, a 4xx answer).</summary>
    [Range(1, 10, ErrorMessage = "Accounts:Smtp:MaxAttempts is 1 to 10.")]
    public int MaxAttempts { get; set; } = 4;

    /// <summary>
    /// The SHA-256 fingerprint (hex) of a server certificate to trust even though no trusted authority signed it (a
    /// self-signed relay inside the cluster). Unset: only certificates that the system trusts are accepted.
    /// </summary>
    [RegularExpression("^[0-9A-Fa-f:]{64,95}$", ErrorMessage = "Accounts:Smtp:CertificateSha256 is a SHA-256 fingerprint in hex.")]
    public string? CertificateSha256 { get; set; }

    internal SecureSocketOptions SocketOptions => Security switch
    {
        "none" => SecureSocketOptions.None,
        "tls" => SecureSocketOptions.SslOnConnect,
        _ => SecureSocketOptions.StartTls,
    };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrEmpty(UserName) != string.IsNullOrEmpty(Password))
        {
            yield return new("Accounts:Smtp:UserName and Accounts:Smtp:Password go together.", [nameof(UserName), nameof(Password)]);
        }
        // A password in clear text over the network is refused; on the machine itself (a local relay) it stays there.
        if (!string.IsNullOrEmpty(Password) && Security == "none" && Host is not ("localhost" or "127.0.0.1" or "::1"))
        {
            yield return new("Accounts:Smtp:Security=none sends the password in clear: use starttls or tls, or a relay on localhost.", [nameof(Security)]);
        }
    }
}
