using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Voice.Web.Services;

namespace Voice.Web.Pages.Account;

/// <summary>The page an invitation links to: the new member sets a password and is signed in.</summary>
public sealed class AcceptInviteModel(VoiceApiClient api) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Token { get; set; }

    [BindProperty]
    public string? DisplayName { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    public string? Error { get; private set; }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(Token) || string.IsNullOrEmpty(Password))
        {
            Error = "Open the link from the invitation and choose a password.";
            return Page();
        }
        var (session, problem) = await api.AcceptInviteAsync(Token, Password, string.IsNullOrWhiteSpace(DisplayName) ? null : DisplayName.Trim(), cancellationToken);
        if (session is null)
        {
            Error = problem?.Message ?? "The invitation could not be accepted.";
            return Page();
        }
        await PortalAuthentication.SignInAsync(HttpContext, session);
        return Redirect("/");
    }
}
