using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Voice.Web.Services;

namespace Voice.Web.Pages.Account;

/// <summary>Asks the API to mail the address its workspaces; the answer is the same whether or not the address exists.</summary>
public sealed class FindWorkspaceModel(VoiceApiClient api) : PageModel
{
    [BindProperty]
    public string? Email { get; set; }

    public bool Sent { get; private set; }

    public string? Error { get; private set; }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(Email))
        {
            Error = "Enter your email.";
            return Page();
        }
        var problem = await api.FindWorkspacesAsync(Email.Trim(), cancellationToken);
        Sent = problem is null;
        Error = problem?.Message;
        return Page();
    }
}
