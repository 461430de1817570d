using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Voice.Web.Services;

public static class PortalClaims
{
    public const string SessionToken = "voice:session";
    public const string TenantSlug = "voice:tenant";
    public const string Role = "voice:role";

    /// <summary>Owners and admins manage keys, webhooks and the team (the API decides; the portal only shows accordingly).</summary>
    public static bool ManagesWorkspace(this ClaimsPrincipal user) => user.FindFirst(Role)?.Value is "owner" or "admin";

    public static bool OwnsWorkspace(this ClaimsPrincipal user) => user.FindFirst(Role)?.Value == "owner";
}

/// <summary>
/// Portal sign-in: the API's session token lives in the portal's auth cookie (encrypted and signed by ASP.NET
/// data protection, HttpOnly, SameSite=Lax), so the browser never sees it and scripts cannot read it.
/// </summary>
public static class PortalAuthentication
{
    /// <summary>Pages for owners and admins (keys, webhooks, team). The API enforces the same with scopes; this spares members a page of refusals.</summary>
    public const string ManagesPolicy = "manages";

    public static IServiceCollection AddPortalAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(options =>
            {
                options.Cookie.Name = "voice.portal";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Lax;
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.LoginPath = "/account/login";
                options.LogoutPath = "/account/logout";
                options.AccessDeniedPath = "/account/denied";
                options.SlidingExpiration = false;
            });
        services.AddAuthorization(options => options.AddPolicy(ManagesPolicy, policy => policy.RequireAssertion(context => context.User.ManagesWorkspace())));
        return services;
    }

    public static Task SignInAsync(HttpContext context, SessionView session)
    {
        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, session.UserId.ToString()),
            new Claim(PortalClaims.SessionToken, session.SessionToken),
            new Claim(PortalClaims.TenantSlug, session.TenantSlug),
            new Claim(PortalClaims.Role, session.Role),
        ], CookieAuthenticationDefaults.AuthenticationScheme);
        return context.SignInAsync(new ClaimsPrincipal(identity), new AuthenticationProperties
        {
            ExpiresUtc = session.ExpiresAt,
            IsPersistent = false,
        });
    }

    /// <summary>Signs the user out of the portal when the API no longer accepts their session.</summary>
    public static IApplicationBuilder UseExpiredSessionSignOut(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (SessionExpiredException) when (!context.Response.HasStarted)
            {
                await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
                context.Response.Redirect("/account/login?expired=true");
            }
        });

    /// <summary>
    /// The tenant slug a request's host names: <c>acme.localhost</c> or <c>acme.&lt;Portal:BaseDomain&gt;</c> → <c>acme</c>.
    /// Only a convenience for pre-filling forms: the tenant is always decided by the credential.
    /// </summary>
    public static string? TenantFromHost(HttpContext context, PortalOptions options)
    {
        string host = context.Request.Host.Host;
        string baseDomain = options.BaseDomain;
        if (!host.EndsWith("." + baseDomain, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        string slug = host[..^(baseDomain.Length + 1)].ToLowerInvariant();
        return slug.Length is >= 2 and <= 40 && slug.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-') ? slug : null;
    }
}
