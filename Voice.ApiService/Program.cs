using Microsoft.AspNetCore.HttpOverrides;
using Voice.ApiService.Apis;
using Voice.ApiService.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

// Client addresses (for throttling and audit) come from X-Forwarded-For only when the hop that sent it is a
// known proxy: loopback by default (the dev proxy), the ingress network in production (ForwardedHeaders config).
app.UseForwardedHeaders(new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto });
app.UseMiddleware<Voice.ApiService.Security.OpenAiErrors>(); // outermost: it sees every problem on /v1
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseAuthorization();
app.UseMiddleware<Voice.ApiService.Security.RateLimitMiddleware>();

app.MapOpenApi();
app.MapDefaultEndpoints();
app.MapAuthApi();
app.MapVerificationApi();
app.MapTenantApi();
app.MapTeamApi();
app.MapKeysApi();
app.MapTasksApi();
app.MapVoicesApi();
app.MapWebhooksApi();
app.MapAudioApi();
app.MapUsageApi();
app.MapOpenAiApi();
app.MapLexiconsApi();
app.MapAdminApi();
app.MapDataKeysApi();

app.Run();
