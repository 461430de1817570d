namespace Voice.Tests.Infrastructure;

/// <summary>The API's counters use fixed windows that start at multiples of their length (UTC, Unix time).</summary>
public static class FixedWindows
{
    /// <summary>Waits out the end of the current window when less than <paramref name="needed"/> is left of it, so a test's counts all land in one window.</summary>
    public static async Task AwayFromEdgeAsync(TimeSpan window, TimeSpan needed)
    {
        long length = (long)window.TotalSeconds;
        long left = length - DateTimeOffset.UtcNow.ToUnixTimeSeconds() % length;
        if (left < needed.TotalSeconds)
        {
            await Task.Delay(TimeSpan.FromSeconds(left + 1));
        }
    }
}
