using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Voice.Web.Services;

namespace Voice.Web.Pages;

/// <summary>
/// The workspace's people: members and their roles, invitations (the link shown once, and mailed), role changes
/// and removal. The API enforces who may do what; the page only hides what the user cannot do.
/// </summary>
public sealed class TeamModel(VoiceApiClient api) : PageModel
{
    public static readonly IReadOnlyList<(string Role, string Meaning)> Roles =
    [
        ("member", "generates speech, manages voices, reads usage"), ("admin", "also manages keys, webhooks and the team"),
    ];

    [BindProperty]
    public string Email { get; set; } = "";

    [BindProperty]
    public string Role { get; set; } = "member";

    public TeamView Team { get; private set; } = new([], []);

    /// <summary>The invitation link just made: rendered once, never stored by the portal.</summary>
    public string? InviteLink { get; private set; }

    public string? Error { get; private set; }

    public Guid Me => Guid.TryParse(User.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : Guid.Empty;

    public async Task OnGetAsync(CancellationToken cancellationToken) => Team = await api.GetTeamAsync(cancellationToken);

    public async Task<IActionResult> OnPostInviteAsync(CancellationToken cancellationToken)
    {
        var (created, problem) = await api.InviteAsync(Email.Trim(), Role, cancellationToken);
        if (created is not null)
        {
            InviteLink = $"{Request.Scheme}://{Request.Host}/account/accept-invite?token={Uri.EscapeDataString(created.Token)}";
            Email = "";
        }
        Error = problem?.Message;
        Team = await api.GetTeamAsync(cancellationToken);
        return Page();
    }

    public Task<IActionResult> OnPostRoleAsync(Guid id, string role, CancellationToken cancellationToken) =>
        AfterAsync(api.ChangeRoleAsync(id, role, cancellationToken), cancellationToken);

    public Task<IActionResult> OnPostRemoveAsync(Guid id, CancellationToken cancellationToken) =>
        AfterAsync(api.RemoveMemberAsync(id, cancellationToken), cancellationToken);

    public Task<IActionResult> OnPostWithdrawAsync(string id, CancellationToken cancellationToken) =>
        AfterAsync(api.RevokeInviteAsync(id, cancellationToken), cancellationToken);

    /// <summary>Back to the list after a change (post/redirect/get), or the list with the API's reason.</summary>
    private async Task<IActionResult> AfterAsync(Task<ProblemBody?> change, CancellationToken cancellationToken)
    {
        if (await change is { } problem)
        {
            Error = problem.Message;
            Team = await api.GetTeamAsync(cancellationToken);
            return Page();
        }
        return RedirectToPage();
    }
}
