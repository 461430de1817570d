using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Voice.Web.Services;

namespace Voice.Web.Pages;

/// <summary>API keys: create one with chosen scopes (its secret shown once, after the redirect), list, revoke.</summary>
public sealed class KeysModel(VoiceApiClient api) : PageModel
{
    private const string EmailNotVerified = "https://voice.dev/problems/email-not-verified";

    public static readonly IReadOnlyList<(string Scope, string Meaning)> Scopes =
    [
        ("speech:write", "generate speech, follow tasks, list voices"), ("voices:write", "create and delete voices"), ("usage:read", "read usage and invoices"),
        ("keys:admin", "manage keys, read the audit log"), ("webhooks:admin", "manage webhooks"),
    ];

    /// <summary>Least privilege: a new key can speak (and so list voices); anything more is ticked on purpose.</summary>
    public static readonly IReadOnlyList<string> DefaultScopes = ["speech:write"];

    [BindProperty]
    public string Name { get; set; } = "";

    [BindProperty]
    public List<string> Selected { get; set; } = [.. DefaultScopes];

    public IReadOnlyList<KeyView> Keys { get; private set; } = [];

    /// <summary>The secret of the key just created: carried once through the redirect (TempData, encrypted), then gone.</summary>
    [TempData]
    public string? NewSecret { get; set; }

    public string? Error { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => Keys = await api.ListKeysAsync(cancellationToken);

    /// <summary>Post, redirect, get: reloading the page after creating a key shows the list, and never creates a second key.</summary>
    public async Task<IActionResult> OnPostCreateAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(Name) || Selected.Count == 0)
        {
            Error = "Give the key a name and at least one scope.";
        }
        else
        {
            var (created, problem) = await api.CreateKeyAsync(Name.Trim(), Selected, cancellationToken);
            if (created is not null)
            {
                NewSecret = created.Key;
                return RedirectToPage();
            }
            Error = problem?.Type == EmailNotVerified
                ? "Your workspace cannot create API keys yet: its owner must first verify their email address with the link we mailed at sign-up."
                : problem?.Message;
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
