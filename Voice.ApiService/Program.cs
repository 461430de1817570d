using Voice.ApiService.Apis;
using Voice.ApiService.Extensions;
using Voice.ApiService.Realtime;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseTrustedForwardedHeaders(); // X-Forwarded-For from named proxies only (ForwardedHeaders:KnownNetworks)
app.UseMiddleware<Voice.ApiService.Security.OpenAiErrors>(); // outermost: it sees every problem on /v1
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseMiddleware<Voice.ApiService.Security.AdminListener>(); // with Admin:Port, the admin API answers only there, and only it (and health) does
app.UseWebSockets(); // the speech socket (Realtime/); its upgrade is authenticated and rate-limited like any request
app.UseAuthentication();
app.UseAuthorization();
app.UseMiddleware<Voice.ApiService.Security.RateLimitMiddleware>();

app.MapOpenApi(); // /openapi/v1.json (public) and /openapi/admin.json (the admin listener only)
app.MapApiReference(); // /docs
app.MapDefaultEndpoints();
app.MapQueueStatsApi(); // the pools' backlog for their autoscaler, on the metrics port only
app.MapAuthApi();
app.MapWorkspaceLoginApi();
app.MapVerificationApi();
app.MapTenantApi();
app.MapUpgradesApi();
app.MapTeamApi();
app.MapKeysApi();
app.MapTasksApi();
app.MapDialogueApi();
app.MapVoicesApi();
app.MapVoiceDesignsApi();
app.MapWebhooksApi();
app.MapAudioApi();
app.MapUsageApi();
app.MapOpenAiApi();
app.MapSpeechSocketApi();
app.MapModelsApi();
app.MapLexiconsApi();
app.MapAdminApi();
app.MapOperatorsApi();
app.MapDataKeysApi();

app.Run();
