using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Voice.Web.Services;

namespace Voice.Web.Pages;

/// <summary>The workspace: its name, its plan (limits, retention, prices), and — for the owner — deleting it.</summary>
public sealed class SettingsModel(VoiceApiClient api) : PageModel
{
    [BindProperty]
    public string Name { get; set; } = "";

    [BindProperty]
    public string Confirm { get; set; } = "";

    public TenantView? Tenant { get; private set; }

    public PlanView? Plan { get; private set; }

    public string? Message { get; private set; }

    public string? Error { get; private set; }

    public bool IsOwner => User.OwnsWorkspace();

    public bool Manages => User.ManagesWorkspace();

    [FromQuery(Name = "renamed")]
    public bool Renamed { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        Message = Renamed ? "The workspace was renamed." : null;
    }

    public async Task<IActionResult> OnPostRenameAsync(CancellationToken cancellationToken)
    {
        if (await api.RenameTenantAsync(Name, cancellationToken) is { } problem)
        {
            Error = problem.Message;
            await LoadAsync(cancellationToken);
            return Page();
        }
        return RedirectToPage(new { renamed = true });
    }

    public async Task<IActionResult> OnPostDeleteAsync(CancellationToken cancellationToken)
    {
        if (await api.DeleteTenantAsync(Confirm.Trim(), cancellationToken) is { } problem)
        {
            Error = problem.Message;
            await LoadAsync(cancellationToken);
            return Page();
        }
        await HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return Redirect("/account/login?deleted=true");
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var tenant = api.GetTenantAsync(cancellationToken);
        var plan = api.GetPlanAsync(cancellationToken);
        (Tenant, Plan) = (await tenant, await plan);
        Name = Tenant?.Name ?? "";
    }
}
