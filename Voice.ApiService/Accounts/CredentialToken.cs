using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace Voice.ApiService.Accounts;

public enum CredentialKind
{
    ApiKey,
    Session,
}

/// <summary>
/// A bearer credential: an API key <c>vk_live_&lt;id&gt;_&lt;secret&gt;</c> (or <c>vk_test_…</c>) or a portal session
/// <c>vs_&lt;id&gt;_&lt;secret&gt;</c>. The id (12 characters) is public and finds the row; the secret (32 base-62
/// characters, ~190 bits) is never stored: the database keeps the SHA-256 of the whole token, compared in
/// constant time. A secret with that much entropy needs no slow KDF.
/// </summary>
public readonly record struct CredentialToken(string Prefix, string Id, string Secret)
{
    public const string LiveKeyPrefix = "vk_live_";
    public const string TestKeyPrefix = "vk_test_";
    public const string SessionPrefix = "vs_";
    /// <summary>A one-time account token (an invitation or a password reset): never a credential for the API.</summary>
    public const string AccountPrefix = "vt_";
    public const int IdLength = 12;
    public const int SecretLength = 32;

    private const string IdAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    private const string SecretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static readonly string[] Prefixes = [LiveKeyPrefix, TestKeyPrefix, SessionPrefix];

    public CredentialKind Kind => Prefix == SessionPrefix ? CredentialKind.Session : CredentialKind.ApiKey;

    public static CredentialToken NewApiKey() => New(LiveKeyPrefix);

    public static CredentialToken NewSession() => New(SessionPrefix);

    public static CredentialToken NewAccountToken() => New(AccountPrefix);

    private static CredentialToken New(string prefix) =>
        new(prefix, RandomNumberGenerator.GetString(IdAlphabet, IdLength), RandomNumberGenerator.GetString(SecretAlphabet, SecretLength));

    public override string ToString() => $"{Prefix}{Id}_{Secret}";

    /// <summary>SHA-256 of the full token text, as stored in the credential's row.</summary>
    public byte[] Hash() => SHA256.HashData(Encoding.ASCII.GetBytes(ToString()));

    public bool Matches(ReadOnlySpan<byte> storedHash) => CryptographicOperations.FixedTimeEquals(Hash(), storedHash);

    public static bool TryParse(string? text, [NotNullWhen(true)] out CredentialToken? token) => TryParse(text, Prefixes, out token);

    public static bool TryParseAccountToken(string? text, [NotNullWhen(true)] out CredentialToken? token) => TryParse(text, [AccountPrefix], out token);

    private static bool TryParse(string? text, string[] prefixes, [NotNullWhen(true)] out CredentialToken? token)
    {
        token = null;
        if (text is null || text.Length > 64)
        {
            return false;
        }
        foreach (string prefix in prefixes)
        {
            if (text.Length != prefix.Length + IdLength + 1 + SecretLength || !text.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }
            var id = text.AsSpan(prefix.Length, IdLength);
            var secret = text.AsSpan(prefix.Length + IdLength + 1);
            if (text[prefix.Length + IdLength] != '_' || id.ContainsAnyExcept(IdAlphabet) || secret.ContainsAnyExcept(SecretAlphabet))
            {
                return false;
            }
            token = new CredentialToken(prefix, id.ToString(), secret.ToString());
            return true;
        }
        return false;
    }
}
