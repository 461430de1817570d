using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Voice.Web.Services;

namespace Voice.Web.Pages.Account;

/// <summary>The page a reset mail links to: sets the new password with the token from the link.</summary>
public sealed class ResetPasswordModel(VoiceApiClient api) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Token { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    public string? Error { get; private set; }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(Token) || string.IsNullOrEmpty(Password))
        {
            Error = "Open the link from the mail and enter a new password.";
            return Page();
        }
        if (await api.ResetPasswordAsync(Token, Password, cancellationToken) is { } problem)
        {
            Error = problem.Message;
            return Page();
        }
        return Redirect("/account/login?reset=true");
    }
}
