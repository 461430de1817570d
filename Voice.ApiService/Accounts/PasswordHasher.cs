using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Konscious.Security.Cryptography;

namespace Voice.ApiService.Accounts;

/// <summary>
/// Portal passwords: Argon2id with OWASP's baseline (19 MiB, 2 passes, 1 lane), stored as a PHC string
/// (<c>$argon2id$v=19$m=19456,t=2,p=1$salt$hash</c>) so the parameters can be raised later without breaking
/// existing hashes.
/// </summary>
public static class PasswordHasher
{
    public const int MinimumLength = 12;
    public const int MaximumLength = 128; // bounds the work an attacker can make us do per attempt

    private const int MemoryKiB = 19_456;
    private const int Iterations = 2;
    private const int Lanes = 1;

    /// <summary>
    /// Hashes at a time in this process. Each holds its memory cost (19 MiB) while it runs, so a burst of failed
    /// logins waits here for a slot instead of growing the service by 19 MiB per request.
    /// </summary>
    public static readonly int MaxConcurrent = Math.Max(2, Environment.ProcessorCount);
    private static readonly SemaphoreSlim Slots = new(MaxConcurrent);
    private static int _running;
    private static int _peakRunning;

    /// <summary>The most hashes seen running at once since <see cref="ResetPeakRunning"/>; for tests.</summary>
    internal static int PeakRunning => Volatile.Read(ref _peakRunning);

    internal static void ResetPeakRunning() => Volatile.Write(ref _peakRunning, Volatile.Read(ref _running));

    public static async Task<string> HashAsync(string password, CancellationToken cancellationToken)
    {
        await Slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return HashNow(password);
        }
        finally
        {
            Slots.Release();
        }
    }

    public static async Task<bool> VerifyAsync(string password, string stored, CancellationToken cancellationToken)
    {
        string[] parts = stored.Split('$');
        if (parts.Length != 6 || parts[1] != "argon2id" || parts[2] != "v=19"
            || !TryParseSettings(parts[3], out int memory, out int iterations, out int lanes)
            || !TryFromUnpaddedBase64(parts[4], out byte[] salt) || !TryFromUnpaddedBase64(parts[5], out byte[] expected)
            || salt.Length < 8 || expected.Length < 16)
        {
            return false;
        }
        await Slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            byte[] actual = Compute(password, salt, memory, iterations, lanes, expected.Length);
            return CryptographicOperations.FixedTimeEquals(actual, expected);
        }
        finally
        {
            Slots.Release();
        }
    }

    /// <summary>
    /// A hash of nothing in particular, verified against when a login names no user, so timing tells nothing.
    /// Made once per process, outside the slots.
    /// </summary>
    public static readonly string Decoy = HashNow(Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)));

    private static string HashNow(string password)
    {
        byte[] salt = RandomNumberGenerator.GetBytes(16);
        byte[] hash = Compute(password, salt, MemoryKiB, Iterations, Lanes, 32);
        return string.Create(CultureInfo.InvariantCulture,
            $"$argon2id$v=19$m={MemoryKiB},t={Iterations},p={Lanes}${Convert.ToBase64String(salt).TrimEnd('=')}${Convert.ToBase64String(hash).TrimEnd('=')}");
    }

    private static byte[] Compute(string password, byte[] salt, int memoryKiB, int iterations, int lanes, int length)
    {
        int running = Interlocked.Increment(ref _running);
        int peak;
        while (running > (peak = Volatile.Read(ref _peakRunning)) && Interlocked.CompareExchange(ref _peakRunning, running, peak) != peak)
        {
        }
        try
        {
            using var argon = new Argon2id(Encoding.UTF8.GetBytes(password))
            {
                Salt = salt,
                MemorySize = memoryKiB,
                Iterations = iterations,
                DegreeOfParallelism = lanes,
            };
            return argon.GetBytes(length);
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }

    private static bool TryParseSettings(string text, out int memory, out int iterations, out int lanes)
    {
        memory = iterations = lanes = 0;
        foreach (string setting in text.Split(','))
        {
            string[] pair = setting.Split('=');
            if (pair.Length != 2 || !int.TryParse(pair[1], NumberStyles.None, CultureInfo.InvariantCulture, out int value))
            {
                return false;
            }
            switch (pair[0])
            {
                case "m": memory = value; break;
                case "t": iterations = value; break;
                case "p": lanes = value; break;
                default: return false;
            }
        }
        // Bounds keep a corrupt row from making one login cost gigabytes or minutes.
        return memory is >= 8 * 1024 and <= 1024 * 1024 && iterations is >= 1 and <= 16 && lanes is >= 1 and <= 16;
    }

    private static bool TryFromUnpaddedBase64(string text, out byte[] bytes)
    {
        bytes = [];
        try
        {
            bytes = Convert.FromBase64String(text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '='));
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
