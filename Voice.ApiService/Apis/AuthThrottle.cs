using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Voice.ApiService.Model;
using Voice.ApiService.Security;

namespace Voice.ApiService.Apis;

/// <summary>The 429s of the anonymous account endpoints, and the per-address budget they share.</summary>
internal static class AuthThrottle
{
    /// <summary>429 when the caller's address is blocked; <paramref name="countAttempt"/> makes the request itself cost one failure.</summary>
    public static async Task<ProblemHttpResult?> CheckAddressAsync(HttpContext context, AuthFailureLimiter limiter, bool countAttempt)
    {
        var address = context.Connection.RemoteIpAddress;
        var wait = limiter.RetryAfter(address) ?? (countAttempt ? await limiter.RecordFailureAsync(address) : null);
        return wait is { } w ? TooMany(context, w) : null;
    }

    /// <summary>A wrong token counts as a failed login: guessing tokens costs the same as guessing passwords.</summary>
    public static async Task<ProblemHttpResult> InvalidTokenAsync(HttpContext context, AuthFailureLimiter limiter, string title, string detail)
    {
        if (await limiter.RecordFailureAsync(context.Connection.RemoteIpAddress) is { } wait)
        {
            return TooMany(context, wait);
        }
        return Problems.Create(StatusCodes.Status400BadRequest, Problems.InvalidToken, title, detail);
    }

    public static ProblemHttpResult TooMany(HttpContext context, TimeSpan wait, string type = Problems.TooManyAuthFailures,
        string title = "Too many attempts from this address.")
    {
        context.Response.Headers.RetryAfter = Math.Max(1, Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return Problems.Create(StatusCodes.Status429TooManyRequests, type, title, "Wait before trying again (see Retry-After).");
    }
}
