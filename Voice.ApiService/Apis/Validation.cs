using System.Text.RegularExpressions;
using Voice.ApiService.Accounts;

namespace Voice.ApiService.Apis;

/// <summary>Field rules shared by the tenancy endpoints; each adds its message to an errors map.</summary>
public static partial class Validation
{
    public const int MaxNameLength = 100;

    public static string? Slug(Dictionary<string, string[]> errors, string field, string? value)
    {
        if (value is null || !SlugPattern().IsMatch(value))
        {
            errors[field] = ["2–40 lowercase letters, digits or hyphens, starting and ending with a letter or digit."];
            return null;
        }
        return value;
    }

    public static string? Name(Dictionary<string, string[]> errors, string field, string? value, bool required = true)
    {
        string? trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            if (required)
            {
                errors[field] = ["Required."];
            }
            return null;
        }
        if (trimmed.Length > MaxNameLength || trimmed.Any(char.IsControl))
        {
            errors[field] = [$"At most {MaxNameLength} printable characters."];
            return null;
        }
        return trimmed;
    }

    public static string? Email(Dictionary<string, string[]> errors, string field, string? value)
    {
        string? trimmed = value?.Trim();
        if (trimmed is null || trimmed.Length > 254 || !EmailPattern().IsMatch(trimmed))
        {
            errors[field] = ["A valid email address is required."];
            return null;
        }
        return trimmed;
    }

    public static string? Password(Dictionary<string, string[]> errors, string field, string? value, string? email)
    {
        if (value is null || value.Length < PasswordHasher.MinimumLength || value.Length > PasswordHasher.MaximumLength)
        {
            errors[field] = [$"Between {PasswordHasher.MinimumLength} and {PasswordHasher.MaximumLength} characters."];
            return null;
        }
        if (email is not null && string.Equals(value, email, StringComparison.OrdinalIgnoreCase))
        {
            errors[field] = ["The password must not be the email address."];
            return null;
        }
        return value;
    }

    public static IReadOnlyList<string>? KeyScopes(Dictionary<string, string[]> errors, string field, IReadOnlyList<string>? requested, IReadOnlyList<string> allowed)
    {
        var scopes = requested ?? allowed;
        if (scopes.Count == 0 || scopes.Any(s => !Scopes.IsKnown(s)))
        {
            errors[field] = [$"One or more of: {string.Join(", ", Scopes.All)}."];
            return null;
        }
        if (scopes.Any(s => !allowed.Contains(s)))
        {
            errors[field] = ["A key cannot have a scope its creator lacks."];
            return null;
        }
        return [.. scopes.Distinct(StringComparer.Ordinal)];
    }

    public static bool FutureOrNull(Dictionary<string, string[]> errors, string field, DateTimeOffset? value, TimeProvider clock)
    {
        if (value is { } at && at <= clock.GetUtcNow())
        {
            errors[field] = ["Must be in the future."];
            return false;
        }
        return true;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$")]
    private static partial Regex SlugPattern();

    [GeneratedRegex(@"^[^@\s\p{Cc}]{1,64}@[^@\s\p{Cc}]+\.[^@\s\p{Cc}]+$")]
    private static partial Regex EmailPattern();
}
