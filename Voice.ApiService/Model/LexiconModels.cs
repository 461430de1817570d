using Voice.Core.Lexicons;

namespace Voice.ApiService.Model;

/// <summary><c>POST /api/v1/lexicons</c>.</summary>
public sealed record CreateLexiconEntryRequest(string? Term, string? Replacement, string? Language = null, bool? CaseSensitive = null);

public sealed record LexiconEntryView(Guid Id, string Term, string Replacement, string? Language, bool CaseSensitive, DateTimeOffset CreatedAt)
{
    public static LexiconEntryView From(LexiconEntry e) => new(e.Id, e.Term, e.Replacement, e.Language, e.CaseSensitive, e.CreatedAt);
}

public sealed record LexiconList(IReadOnlyList<LexiconEntryView> Data);
