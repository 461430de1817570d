using Voice.Worker.Processing;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddJobProcessing();

var app = builder.Build();

// The worker serves only its probes (and, later, metrics); jobs arrive through the queue.
app.MapDefaultEndpoints();

app.Run();
