using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Voice.Web.Services;

namespace Voice.Web.Pages.Account;

public sealed class SignUpModel(VoiceApiClient api) : PageModel
{
    [BindProperty]
    public string? TenantName { get; set; }

    [BindProperty]
    public string? Slug { get; set; }

    [BindProperty]
    public string? Email { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    public List<string> Errors { get; } = [];

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var (session, problem) = await api.SignUpAsync(TenantName ?? "", Slug ?? "", Email ?? "", Password ?? "", cancellationToken);
        if (session is null)
        {
            if (problem?.Errors is { Count: > 0 } fields)
            {
                Errors.AddRange(fields.Select(f => $"{Label(f.Key)}: {string.Join(" ", f.Value)}"));
            }
            else
            {
                Errors.Add(problem?.Title ?? "Sign-up failed.");
            }
            return Page();
        }
        await PortalAuthentication.SignInAsync(HttpContext, session);
        return LocalRedirect("/");
    }

    private static string Label(string field) => field switch
    {
        "tenant_name" => "Name",
        "slug" => "Workspace id",
        "email" => "Email",
        "password" => "Password",
        _ => field,
    };
}
