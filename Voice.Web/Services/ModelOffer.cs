namespace Voice.Web.Services;

/// <summary>
/// What the portal offers, given the live models: a kind of voice (preset, design, clone) only if some model makes it,
/// and a language only if some model making it speaks it, so a form never invites a request the API must refuse.
/// Without the list (<paramref name="live"/> null: the call failed) it offers everything; the API still checks.
/// </summary>
/// <param name="languages">The languages the portal can name, in the order it lists them.</param>
public sealed class ModelOffer(IReadOnlyList<ModelView>? live, IReadOnlyList<(string Code, string Name)> languages)
{
    public IReadOnlyList<ModelView> Models => live ?? [];

    public bool Makes(string mode) => live is null || live.Any(m => m.Modes.Contains(mode, StringComparer.Ordinal));

    /// <summary>The languages some model making <paramref name="mode"/> speaks (any model, when null), in the portal's order.</summary>
    public IReadOnlyList<(string Code, string Name)> Languages(string? mode = null) => live is null
        ? languages
        : [.. languages.Where(l => live.Any(m => (mode is null || m.Modes.Contains(mode, StringComparer.Ordinal))
            && m.Languages.Contains(l.Code, StringComparer.Ordinal)))];
}
