using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Voice.Web.Services;

namespace Voice.Web.Pages.Account;

/// <summary>
/// Email and password; the workspace id is optional. Without one, the API finds the workspaces where they match: one
/// signs in at once, several are offered to choose from (under a one-time token). With one, the old login names it.
/// </summary>
public sealed class LoginModel(VoiceApiClient api, Microsoft.Extensions.Options.IOptions<PortalOptions> portal) : PageModel
{
    [BindProperty]
    public string? Tenant { get; set; }

    [BindProperty]
    public string? Email { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    [BindProperty]
    public string? ChoiceToken { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [FromQuery(Name = "expired")]
    public bool Expired { get; set; }

    [FromQuery(Name = "reset")]
    public bool Reset { get; set; }

    [FromQuery(Name = "deleted")]
    public bool Deleted { get; set; }

    /// <summary>The workspaces to choose from, when the email and password open several.</summary>
    public EmailLoginView? Choice { get; private set; }

    public string? Error { get; private set; }

    /// <summary>The workspace id comes from a mailed link (<c>?tenant=</c>) or the host name; it only pre-fills the form.</summary>
    public void OnGet([FromQuery(Name = "tenant")] string? tenant) =>
        Tenant = tenant is { Length: > 0 and <= 40 } ? tenant : PortalAuthentication.TenantFromHost(HttpContext, portal.Value);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(Email) || string.IsNullOrEmpty(Password))
        {
            Error = "Enter your email and password.";
            return Page();
        }
        if (!string.IsNullOrWhiteSpace(Tenant))
        {
            var (session, problem) = await api.LoginAsync(Tenant.Trim().ToLowerInvariant(), Email, Password, cancellationToken);
            return session is null ? Failed(problem) : await SignInAsync(session);
        }
        var (login, refused) = await api.LoginByEmailAsync(Email, Password, cancellationToken);
        if (login is null)
        {
            return Failed(refused);
        }
        if (login.Workspaces.Length > 1)
        {
            Choice = login;
            return Page();
        }
        return await ChooseAsync(login.ChoiceToken, login.Workspaces[0].Slug, cancellationToken);
    }

    public Task<IActionResult> OnPostChooseAsync(CancellationToken cancellationToken) =>
        ChooseAsync(ChoiceToken ?? "", Tenant ?? "", cancellationToken);

    private async Task<IActionResult> ChooseAsync(string token, string tenant, CancellationToken cancellationToken)
    {
        var (session, problem) = await api.ChooseWorkspaceAsync(token, tenant, cancellationToken);
        return session is null ? Failed(problem) : await SignInAsync(session);
    }

    private async Task<IActionResult> SignInAsync(SessionView session)
    {
        await PortalAuthentication.SignInAsync(HttpContext, session);
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/");
    }

    private PageResult Failed(ProblemBody? problem)
    {
        Error = problem?.Message ?? "Login failed.";
        Password = null;
        return Page();
    }
}
