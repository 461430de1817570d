using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Voice.Web.Services;

namespace Voice.Web.Pages.Account;

/// <summary>Asks the API to mail a reset link; the answer is the same whether or not the address exists.</summary>
public sealed class ForgotPasswordModel(VoiceApiClient api, Microsoft.Extensions.Options.IOptions<PortalOptions> portal) : PageModel
{
    [BindProperty]
    public string? Tenant { get; set; }

    [BindProperty]
    public string? Email { get; set; }

    public bool Sent { get; private set; }

    public string? Error { get; private set; }

    public void OnGet() => Tenant ??= PortalAuthentication.TenantFromHost(HttpContext, portal.Value);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(Tenant) || string.IsNullOrWhiteSpace(Email))
        {
            Error = "Enter your workspace and email.";
            return Page();
        }
        var problem = await api.RequestPasswordResetAsync(Tenant.Trim().ToLowerInvariant(), Email.Trim(), cancellationToken);
        Sent = problem is null;
        Error = problem?.Message;
        return Page();
    }
}
