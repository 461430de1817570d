using Voice.Web.Security;
using Voice.Web.Services;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.Services.AddHttpContextAccessor();
builder.Services.AddOptions<PortalOptions>().BindConfiguration(PortalOptions.Section).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddSharedKeyRing(builder.Configuration); // replicas share cookies and anti-forgery keys
builder.Services.AddPortalAuthentication();
builder.Services.AddVoiceLibrary();
builder.Services.AddRazorPages(options =>
{
    options.Conventions.AuthorizeFolder("/");
    options.Conventions.AllowAnonymousToFolder("/Account");
    options.Conventions.AllowAnonymousToPage("/Status");
    foreach (string page in new[] { "/Keys", "/Webhooks", "/Team" })
    {
        options.Conventions.AuthorizePage(page, PortalAuthentication.ManagesPolicy);
    }
});
// A field a form leaves out keeps its default (e.g. the playground's format), instead of failing as "required".
builder.Services.Configure<Microsoft.AspNetCore.Mvc.MvcOptions>(options => options.SuppressImplicitRequiredAttributeForNonNullableReferenceTypes = true);
builder.Services.AddHttpClient<VoiceApiClient>((services, client) =>
{
    client.BaseAddress = new Uri("https+http://api");
    if (services.GetRequiredService<Microsoft.Extensions.Options.IOptions<PortalOptions>>().Value.ApiCredential is { } credential)
    {
        client.DefaultRequestHeaders.Add(PortalOptions.ApiCredentialHeader, credential);
    }
});

var app = builder.Build();

if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/Error");
}
app.UseTrustedForwardedHeaders(); // X-Forwarded-For from named proxies only (ForwardedHeaders:KnownNetworks)
app.UseSecurityHeaders();
app.UseStatusCodePagesWithReExecute("/status/{0}"); // a page, not an empty error (the browser shows its own for those)
app.UseStaticFiles();
app.UseRouting();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();
app.UseExpiredSessionSignOut();

app.MapDefaultEndpoints();
app.MapRazorPages();
app.MapPlaygroundEndpoints();
app.MapVoiceLibraryEndpoints();

app.Run();
