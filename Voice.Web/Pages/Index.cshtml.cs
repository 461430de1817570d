using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Voice.Web.Services;

namespace Voice.Web.Pages;

public sealed class IndexModel(VoiceApiClient api) : PageModel
{
    public static readonly IReadOnlyList<(string Code, string Name)> Languages =
    [
        ("en", "English"), ("zh", "Chinese"), ("ja", "Japanese"), ("ko", "Korean"), ("de", "German"),
        ("fr", "French"), ("ru", "Russian"), ("pt", "Portuguese"), ("es", "Spanish"), ("it", "Italian"),
    ];

    [BindProperty]
    [Required]
    [StringLength(5000)]
    public string Text { get; set; } = "Hello! This is Voice, speaking from the playground.";

    [BindProperty]
    public string Voice { get; set; } = "alloy";

    [BindProperty]
    public string Language { get; set; } = "en";

    [FromQuery(Name = "task")]
    public Guid? TaskId { get; set; }

    public IReadOnlyList<VoiceView> Voices { get; private set; } = [];

    public string? Error { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Voices = await api.ListVoicesAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        Voices = await api.ListVoicesAsync(cancellationToken);
        if (!ModelState.IsValid)
        {
            Error = "Please enter up to 5,000 characters of text.";
            return Page();
        }
        var (accepted, problem) = await api.GenerateAsync(new GenerateInput(Text, Language, Voice, "wav"), cancellationToken);
        if (accepted is null)
        {
            Error = problem?.Errors is { Count: > 0 } errors
                ? string.Join(" ", errors.SelectMany(e => e.Value))
                : problem?.Detail ?? problem?.Title ?? "The request failed.";
            return Page();
        }
        return RedirectToPage(new { task = accepted.TaskId });
    }
}
