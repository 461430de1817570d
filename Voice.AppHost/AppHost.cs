var builder = DistributedApplication.CreateBuilder(args);

// Secrets
var masterKey = builder.AddGeneratedSecret("master-key", length: 48);
string? demoApiKey = builder.DemoApiKey();

// Infrastructure: containers when a runtime exists or when publishing, local processes otherwise.
var redis = builder.AddVoiceRedis("redis");
var voicedb = builder.AddVoicePostgres("postgres", "voicedb");
var blobs = builder.AddVoiceBlobs("blobs");

// Services
var api = builder.AddProject<Projects.Voice_ApiService>("api")
    .WithEndpoint("http", e => e.Port = builder.Port("VOICE_API_PORT", 5080))
    .WithExternalHttpEndpoints()
    .WithReference(voicedb).WaitFor(voicedb)
    .WithReference(redis).WaitFor(redis)
    .WithReference(blobs).WaitFor(blobs)
    .WithEnvironment("Voice__MasterKey", masterKey)
    .WithHttpHealthCheck("/health");

builder.AddProject<Projects.Voice_Worker>("worker")
    .WithEndpoint("http", e => e.Port = null)
    .WithReference(voicedb).WaitFor(voicedb)
    .WithReference(redis).WaitFor(redis)
    .WithReference(blobs).WaitFor(blobs)
    .WithEnvironment("Voice__MasterKey", masterKey)
    .WithEnvironment("Speech__Engine", builder.Configuration["VOICE_SPEECH_ENGINE"] ?? "espeak")
    .WithHttpHealthCheck("/health");

// Apps
var web = builder.AddProject<Projects.Voice_Web>("web")
    .WithEndpoint("http", e => e.Port = builder.Port("VOICE_WEB_PORT", 5090))
    .WithExternalHttpEndpoints()
    .WithReference(api).WaitFor(api)
    .WithHttpHealthCheck("/health");

if (demoApiKey is not null)
{
    var demoKey = builder.AddParameter("demo-api-key", demoApiKey, secret: true);
    api.WithEnvironment("Bootstrap__DemoApiKey", demoKey);
    web.WithEnvironment("Voice__ApiKey", demoKey);
}

builder.Build().Run();
