using Voice.Web.Services;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.Services.AddRazorPages();
builder.Services.AddHttpClient<VoiceApiClient>(client => client.BaseAddress = new Uri("https+http://api"));

var app = builder.Build();

if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/Error");
}
app.UseStaticFiles();
app.UseRouting();
app.UseAntiforgery();

app.MapDefaultEndpoints();
app.MapRazorPages();
app.MapPlaygroundEndpoints();

app.Run();
