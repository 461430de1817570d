using System.Globalization;

namespace Voice.Web.Services;

/// <summary>Prices and allowances as a person reads them: "$0.015 per 1,000 characters", "12,345 of 100,000 characters left".</summary>
public static class Money
{
    private static readonly Dictionary<string, string> Symbols = new(StringComparer.Ordinal)
    {
        ["USD"] = "$", ["EUR"] = "€", ["GBP"] = "£", ["JPY"] = "¥", ["CAD"] = "CA$", ["AUD"] = "A$",
    };

    /// <summary>An amount with its currency: at least two decimals, more only where the price has them ($0.015, $1.50, 12.00 CHF).</summary>
    public static string Format(decimal amount, string currency)
    {
        string number = amount.ToString(amount == decimal.Round(amount, 2) ? "N2" : "#,##0.00####", CultureInfo.InvariantCulture);
        return Symbols.TryGetValue(currency, out var symbol) ? symbol + number : $"{number} {currency}";
    }

    /// <summary>A plan's prices in one line, or "no charge" when it charges nothing.</summary>
    public static string Prices(decimal per1kCharacters, decimal perAudioMinute, string currency) =>
        per1kCharacters == 0 && perAudioMinute == 0
            ? "no charge"
            : $"{Format(per1kCharacters, currency)} per 1,000 characters, {Format(perAudioMinute, currency)} per minute of audio";

    /// <summary>"12,345 of 100,000 characters left this month", or "unlimited characters this month".</summary>
    public static string Left(double used, long? limit, string unit) =>
        limit is { } l
            ? $"{Math.Max(0, l - used).ToString("N0", CultureInfo.InvariantCulture)} of {l.ToString("N0", CultureInfo.InvariantCulture)} {unit} left this month"
            : $"unlimited {unit} this month";

    /// <summary>A monthly allowance: "500,000" or "unlimited".</summary>
    public static string Allowance(long? limit) => limit?.ToString("N0", CultureInfo.InvariantCulture) ?? "unlimited";
}
