using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Voice.Web.Services;

namespace Voice.Web.Pages;

/// <summary>API keys: create one with chosen scopes (its secret shown once, on this answer only), list, revoke.</summary>
public sealed class KeysModel(VoiceApiClient api) : PageModel
{
    private const string EmailNotVerified = "https://voice.dev/problems/email-not-verified";

    public static readonly IReadOnlyList<(string Scope, string Meaning)> Scopes =
    [
        ("speech:write", "generate speech, follow tasks"), ("voices:write", "create and delete voices"), ("usage:read", "read usage and invoices"),
        ("keys:admin", "manage keys, read the audit log"), ("webhooks:admin", "manage webhooks"),
    ];

    [BindProperty]
    public string Name { get; set; } = "";

    [BindProperty]
    public List<string> Selected { get; set; } = [];

    public IReadOnlyList<KeyView> Keys { get; private set; } = [];

    /// <summary>The secret of the key just created: rendered once, never stored by the portal.</summary>
    public string? NewSecret { get; private set; }

    public string? Error { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => Keys = await api.ListKeysAsync(cancellationToken);

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(Name) || Selected.Count == 0)
        {
            Error = "Give the key a name and at least one scope.";
        }
        else
        {
            var (created, problem) = await api.CreateKeyAsync(Name.Trim(), Selected, cancellationToken);
            NewSecret = created?.Key;
            Error = problem?.Type == EmailNotVerified
                ? "Your workspace cannot create API keys yet: its owner must first verify their email address with the link we mailed at sign-up."
                : problem?.Message;
            if (created is not null)
            {
                Name = "";
                Selected = [];
            }
        }
        Keys = await api.ListKeysAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(string id, CancellationToken cancellationToken)
    {
        if (await api.RevokeKeyAsync(id, cancellationToken) is { } problem)
        {
            Error = problem.Message;
            Keys = await api.ListKeysAsync(cancellationToken);
            return Page();
        }
        return RedirectToPage();
    }

}
