using Microsoft.AspNetCore.Mvc;
using Voice.Web.Services;

namespace Voice.Web.Pages.Shared;

/// <summary>
/// Tells a signed-in user who has not verified their address yet that the workspace makes no API keys until they do,
/// with a button that mails a new link. Renders nothing once they are verified.
/// </summary>
public sealed class VerifyBannerViewComponent(VoiceApiClient api) : ViewComponent
{
    public async Task<IViewComponentResult> InvokeAsync() =>
        await api.GetEmailStatusAsync(HttpContext.RequestAborted) is { Verified: false } status
            ? View(status)
            : Content("");
}
