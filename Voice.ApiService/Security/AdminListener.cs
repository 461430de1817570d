using Microsoft.Extensions.Options;

namespace Voice.ApiService.Security;

/// <summary>
/// With <c>Admin:Port</c>, the admin API (every <c>/admin</c> route and the <c>admin</c> OpenAPI document) answers only on
/// that port, and that port answers nothing else but health: 404 otherwise. The port the connection arrived on decides,
/// never the Host header (any client can name the admin port in it). Without <c>Admin:Port</c> it lets everything by.
/// </summary>
public sealed class AdminListener(RequestDelegate next, IOptions<AdminOptions> options)
{
    public const string AdminDocumentPath = "/openapi/admin.json";

    public Task InvokeAsync(HttpContext context)
    {
        if (options.Value.Port is not int port)
        {
            return next(context);
        }
        bool onAdminPort = context.Connection.LocalPort == port;
        if (IsHealth(context.Request.Path) || IsAdmin(context) == onAdminPort)
        {
            return next(context);
        }
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }

    /// <summary>An admin request: by its path, or by the route it matched (whatever the path's spelling).</summary>
    public static bool IsAdmin(HttpContext context) =>
        context.Request.Path.StartsWithSegments("/admin", StringComparison.OrdinalIgnoreCase)
        || context.Request.Path.Equals(AdminDocumentPath, StringComparison.OrdinalIgnoreCase)
        || (context.GetEndpoint() is RouteEndpoint endpoint
            && endpoint.RoutePattern.RawText?.TrimStart('/').StartsWith("admin/", StringComparison.OrdinalIgnoreCase) == true);

    private static bool IsHealth(PathString path) =>
        path.Equals(Microsoft.Extensions.Hosting.Extensions.HealthEndpointPath) || path.Equals(Microsoft.Extensions.Hosting.Extensions.AlivenessEndpointPath);
}
