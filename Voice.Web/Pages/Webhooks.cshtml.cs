using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Voice.Web.Services;

namespace Voice.Web.Pages;

/// <summary>Webhook endpoints: add one (its signing secret shown once), send it a test event, see its delivery log, remove it.</summary>
public sealed class WebhooksModel(VoiceApiClient api) : PageModel
{
    [BindProperty]
    public string Endpoint { get; set; } = "";

    [BindProperty]
    public string? Description { get; set; }

    /// <summary>The endpoint whose deliveries are shown.</summary>
    [FromQuery(Name = "deliveries")]
    public Guid? Selected { get; set; }

    public IReadOnlyList<WebhookView> Webhooks { get; private set; } = [];

    public IReadOnlyList<DeliveryView> Deliveries { get; private set; } = [];

    public string? NewSecret { get; private set; }

    public string? Error { get; private set; }

    /// <summary>How the last test event went, for the endpoint it was sent to.</summary>
    public (Guid Webhook, WebhookTestView Result)? Test { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Webhooks = await api.ListWebhooksAsync(cancellationToken);
        Deliveries = Selected is { } id && Webhooks.Any(w => w.Id == id) ? await api.ListDeliveriesAsync(id, cancellationToken) : [];
    }

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken cancellationToken)
    {
        var (created, problem) = await api.CreateWebhookAsync(Endpoint.Trim(), string.IsNullOrWhiteSpace(Description) ? null : Description.Trim(), cancellationToken);
        if (created is not null)
        {
            NewSecret = created.Secret;
            Endpoint = "";
            Description = null;
        }
        else
        {
            Error = problem?.Message ?? "The request failed.";
        }
        Webhooks = await api.ListWebhooksAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostTestAsync(Guid id, CancellationToken cancellationToken)
    {
        var (result, problem) = await api.TestWebhookAsync(id, cancellationToken);
        Test = result is null ? null : (id, result);
        Error = problem?.Message;
        Webhooks = await api.ListWebhooksAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostDeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        if (!await api.DeleteWebhookAsync(id, cancellationToken))
        {
            Error = "The endpoint could not be removed.";
            Webhooks = await api.ListWebhooksAsync(cancellationToken);
            return Page();
        }
        return RedirectToPage();
    }
}
