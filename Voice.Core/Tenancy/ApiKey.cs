using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace Voice.Core.Tenancy;

/// <summary>
/// An API key: <c>vk_live_&lt;id&gt;_&lt;secret&gt;</c> (or <c>vk_test_…</c>). The id (12 characters) is public
/// and finds the key's row; the secret (32 base-62 characters, ~190 bits) is never stored: the database keeps
/// the SHA-256 of the whole key, compared in constant time. A high-entropy secret needs no slow KDF.
/// </summary>
public readonly record struct ApiKey(string Mode, string Id, string Secret)
{
    public const string LivePrefix = "vk_live_";
    public const string TestPrefix = "vk_test_";
    public const int IdLength = 12;
    public const int SecretLength = 32;
    public const int MaxLength = 8 + IdLength + 1 + SecretLength;

    private const string IdAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    private const string SecretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public static ApiKey Generate(string mode = "live") =>
        new(mode, RandomNumberGenerator.GetString(IdAlphabet, IdLength), RandomNumberGenerator.GetString(SecretAlphabet, SecretLength));

    public override string ToString() => $"vk_{Mode}_{Id}_{Secret}";

    /// <summary>SHA-256 of the full key text, as stored in <c>api_keys.secret_hash</c>.</summary>
    public byte[] Hash() => SHA256.HashData(Encoding.ASCII.GetBytes(ToString()));

    public bool Matches(ReadOnlySpan<byte> storedHash) => CryptographicOperations.FixedTimeEquals(Hash(), storedHash);

    public static bool TryParse(string? text, [NotNullWhen(true)] out ApiKey? key)
    {
        key = null;
        if (text is null || text.Length != MaxLength)
        {
            return false;
        }
        string mode;
        if (text.StartsWith(LivePrefix, StringComparison.Ordinal))
        {
            mode = "live";
        }
        else if (text.StartsWith(TestPrefix, StringComparison.Ordinal))
        {
            mode = "test";
        }
        else
        {
            return false;
        }
        var id = text.AsSpan(8, IdLength);
        var separator = text[8 + IdLength];
        var secret = text.AsSpan(8 + IdLength + 1);
        if (separator != '_' || !AllIn(id, IdAlphabet) || !AllIn(secret, SecretAlphabet))
        {
            return false;
        }
        key = new ApiKey(mode, id.ToString(), secret.ToString());
        return true;
    }

    private static bool AllIn(ReadOnlySpan<char> text, string alphabet)
    {
        foreach (char c in text)
        {
            if (!alphabet.Contains(c, StringComparison.Ordinal))
            {
                return false;
            }
        }
        return true;
    }
}
