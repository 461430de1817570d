using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace Aspire.Hosting;

/// <summary>Fixed development endpoints and the demo tenant's API key, so scripts and docs can rely on them.</summary>
public static partial class DevelopmentSettings
{
    /// <summary>
    /// The port from <paramref name="variable"/> (e.g. <c>VOICE_API_PORT</c>), else <paramref name="defaultPort"/>;
    /// <c>0</c> asks for a free port (tests use it so they never collide with a running instance).
    /// </summary>
    public static int? Port(this IDistributedApplicationBuilder builder, string variable, int defaultPort)
    {
        string? configured = builder.Configuration[variable];
        int port = string.IsNullOrWhiteSpace(configured) ? defaultPort : int.Parse(configured, CultureInfo.InvariantCulture);
        return port == 0 ? null : port;
    }

    /// <summary>
    /// The demo tenant's key in run mode: <c>VOICE_DEMO_API_KEY</c>, else the one saved in <c>.voice/demo-api-key</c>,
    /// else a new one — printed once and saved there (git-ignored). Null in publish mode: production has no demo tenant.
    /// </summary>
    public static string? DemoApiKey(this IDistributedApplicationBuilder builder)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            return null;
        }
        string? configured = builder.Configuration["VOICE_DEMO_API_KEY"];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return IsApiKey(configured) ? configured
                : throw new InvalidOperationException("VOICE_DEMO_API_KEY must look like vk_live_<12 lowercase letters/digits>_<32 letters/digits>.");
        }

        string file = DemoApiKeyFile(builder);
        if (File.Exists(file) && File.ReadAllText(file).Trim() is var saved && IsApiKey(saved))
        {
            return saved;
        }
        string key = "vk_live_"
            + RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 12) + "_"
            + RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 32);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, key + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        Console.WriteLine($"Demo tenant API key (shown once, saved to {file}): {key}");
        return key;
    }

    public static string DemoApiKeyFile(IDistributedApplicationBuilder builder) =>
        Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", ".voice", "demo-api-key"));

    private static bool IsApiKey(string value) => ApiKeyPattern().IsMatch(value);

    [GeneratedRegex("^vk_(live|test)_[a-z0-9]{12}_[A-Za-z0-9]{32}$")]
    private static partial Regex ApiKeyPattern();
}
