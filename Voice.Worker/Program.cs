using Voice.Worker.Hosting;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddJobProcessing();

var app = builder.Build();

// The worker serves its probes, metrics and the queue's backlog (what the autoscaler reads); jobs arrive through the queue.
app.MapDefaultEndpoints();
app.MapQueueStats();

app.Run();
