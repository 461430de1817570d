using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Voice.Web.Services;

namespace Voice.Web.Pages.Account;

/// <summary>
/// The page the verification mail links to. Opening the link only shows a button: verifying takes a POST, so a mail
/// scanner that fetches every link does not use the token up. Signed-in users also ask here for a new link.
/// </summary>
public sealed class VerifyEmailModel(VoiceApiClient api) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Token { get; set; }

    public bool Verified { get; private set; }

    public bool Resent { get; private set; }

    public string? Error { get; private set; }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(Token))
        {
            Error = "Open the link from the verification mail.";
            return Page();
        }
        Error = (await api.VerifyEmailAsync(Token, cancellationToken))?.Message;
        Verified = Error is null;
        return Page();
    }

    public async Task<IActionResult> OnPostResendAsync(CancellationToken cancellationToken)
    {
        if (User.Identity?.IsAuthenticated != true)
        {
            return Redirect("/account/login");
        }
        Error = (await api.ResendVerificationAsync(cancellationToken))?.Message;
        Resent = Error is null;
        return Page();
    }
}
