using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Voice.Web.Services;

namespace Voice.Web.Pages.Account;

public sealed class LoginModel(VoiceApiClient api, Microsoft.Extensions.Options.IOptions<PortalOptions> portal) : PageModel
{
    [BindProperty]
    public string? Tenant { get; set; }

    [BindProperty]
    public string? Email { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [FromQuery(Name = "expired")]
    public bool Expired { get; set; }

    [FromQuery(Name = "reset")]
    public bool Reset { get; set; }

    [FromQuery(Name = "deleted")]
    public bool Deleted { get; set; }

    public string? Error { get; private set; }

    public void OnGet() => Tenant ??= PortalAuthentication.TenantFromHost(HttpContext, portal.Value);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(Tenant) || string.IsNullOrWhiteSpace(Email) || string.IsNullOrEmpty(Password))
        {
            Error = "Enter your workspace, email and password.";
            return Page();
        }
        var (session, problem) = await api.LoginAsync(Tenant.Trim().ToLowerInvariant(), Email, Password, cancellationToken);
        if (session is null)
        {
            Error = problem?.Message ?? "Login failed.";
            return Page();
        }
        await PortalAuthentication.SignInAsync(HttpContext, session);
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/");
    }
}
