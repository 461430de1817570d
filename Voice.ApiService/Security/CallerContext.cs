using Voice.ApiService.Accounts;

namespace Voice.ApiService.Security;

public static class CallerContext
{
    /// <summary>The authenticated caller. Endpoints that call this must require authorization.</summary>
    public static CallerIdentity Caller(this HttpContext context) =>
        context.Features.Get<CallerIdentity>()
        ?? throw new InvalidOperationException("No authenticated caller: the endpoint must require authorization.");
}
