using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace Aspire.Hosting;

/// <summary>Fixed development endpoints and credentials, so scripts and docs can rely on them.</summary>
public static partial class DevelopmentSettings
{
    private const string Alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

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
    /// else a new one — printed once and saved there. Null in publish mode: production has no demo tenant.
    /// </summary>
    public static string? DemoApiKey(this IDistributedApplicationBuilder builder) =>
        builder.ExecutionContext.IsPublishMode ? null : builder.DevelopmentSecret("VOICE_DEMO_API_KEY", "demo-api-key", ApiKeyPattern(),
            () => $"vk_live_{RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 12)}_{RandomNumberGenerator.GetString(Alphanumeric, 32)}",
            announce: "Demo tenant API key");

    /// <summary>
    /// The platform admin token: a parameter the operator supplies when publishing; in run mode
    /// <c>VOICE_ADMIN_TOKEN</c>, else the one saved in <c>.voice/admin-token</c>, else a new one saved there.
    /// </summary>
    public static IResourceBuilder<ParameterResource> AddAdminToken(this IDistributedApplicationBuilder builder) =>
        builder.ExecutionContext.IsPublishMode
            ? builder.AddParameter("admin-token", secret: true)
            : builder.AddParameter("admin-token", builder.DevelopmentSecret("VOICE_ADMIN_TOKEN", "admin-token", AdminTokenPattern(),
                () => RandomNumberGenerator.GetString(Alphanumeric, 40), announce: null), secret: true);

    /// <summary>From the environment variable, else the git-ignored file <c>.voice/&lt;file&gt;</c>, else generated and saved there.</summary>
    private static string DevelopmentSecret(this IDistributedApplicationBuilder builder, string variable, string fileName, Regex format, Func<string> generate, string? announce)
    {
        string? configured = builder.Configuration[variable];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return format.IsMatch(configured) ? configured : throw new InvalidOperationException($"{variable} does not have the expected format ({format}).");
        }
        string file = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", ".voice", fileName));
        if (File.Exists(file) && File.ReadAllText(file).Trim() is var saved && format.IsMatch(saved))
        {
            return saved;
        }
        string value = generate();
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, value + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        if (announce is not null)
        {
            Console.WriteLine($"{announce} (shown once, saved to {file}): {value}");
        }
        return value;
    }

    [GeneratedRegex("^vk_(live|test)_[a-z0-9]{12}_[A-Za-z0-9]{32}$")]
    private static partial Regex ApiKeyPattern();

    [GeneratedRegex("^[A-Za-z0-9]{32,128}$")]
    private static partial Regex AdminTokenPattern();
}
