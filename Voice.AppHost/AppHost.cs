var builder = DistributedApplication.CreateBuilder(args);

// Secrets
var masterKey = builder.AddGeneratedSecret("master-key", length: 48);
var adminToken = builder.AddAdminToken();
string? demoApiKey = builder.DemoApiKey();

// Infrastructure: containers when a runtime exists or when publishing, local processes otherwise.
var redis = builder.AddVoiceRedis("redis");
var voicedb = builder.AddVoicePostgres("postgres", "voicedb");
var voicedbApp = builder.AddDatabaseRole(voicedb, "voicedb-app", "voice_app");
var voicedbAdmin = builder.AddDatabaseRole(voicedb, "voicedb-admin", "voice_admin");
var blobs = builder.AddVoiceBlobs("blobs");

// The speech engine: the worker runs it; the API validates requests against its capabilities.
string speechEngine = builder.Configuration["VOICE_SPEECH_ENGINE"] ?? "espeak";

// Services. The API owns the schema (it migrates at start-up) and the admin role; the worker gets only
// the row-level-security role and starts once the API is ready (schema migrated, roles enabled).
var api = builder.AddProject<Projects.Voice_ApiService>("api")
    .WithEndpoint("http", e => e.Port = builder.Port("VOICE_API_PORT", 5080))
    .WithExternalHttpEndpoints()
    .WithReference(voicedb).WaitFor(voicedb)
    .WithReference(voicedbApp)
    .WithReference(voicedbAdmin)
    .WithReference(redis).WaitFor(redis)
    .WithReference(blobs).WaitFor(blobs)
    .WithEnvironment("Voice__MasterKey", masterKey)
    .WithEnvironment("Admin__Token", adminToken)
    .WithEnvironment("Speech__Engine", speechEngine)
    .WithSettings("Queue", "Webhooks")
    .WithHttpHealthCheck("/health");

builder.AddProject<Projects.Voice_Worker>("worker")
    .WithEndpoint("http", e => e.Port = null)
    .WithReference(voicedbApp)
    .WithReference(redis).WaitFor(redis)
    .WithReference(blobs).WaitFor(blobs)
    .WaitFor(api)
    .WithEnvironment("Voice__MasterKey", masterKey)
    .WithEnvironment("Speech__Engine", speechEngine)
    .WithSettings("Queue", "Webhooks", "Worker")
    .WithHttpHealthCheck("/health");

// Apps
builder.AddProject<Projects.Voice_Web>("web")
    .WithEndpoint("http", e => e.Port = builder.Port("VOICE_WEB_PORT", 5090))
    .WithExternalHttpEndpoints()
    .WithReference(api).WaitFor(api)
    .WithHttpHealthCheck("/health");

if (demoApiKey is not null)
{
    api.WithEnvironment("Bootstrap__DemoApiKey", builder.AddParameter("demo-api-key", demoApiKey, secret: true));
}

builder.Build().Run();
