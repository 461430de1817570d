var builder = DistributedApplication.CreateBuilder(args);

// Secrets
var masterKey = builder.AddGeneratedSecret("master-key", length: 48);
var portalKey = builder.AddGeneratedSecret("portal-key", length: 48); // the portal replicas' shared cookie keys
var portalCredential = builder.AddGeneratedSecret("portal-credential", length: 48); // marks the portal's calls to the API
var adminToken = builder.AddAdminToken();
string? demoApiKeyValue = builder.DemoApiKey();
var demoApiKey = demoApiKeyValue is null ? null : builder.AddParameter("demo-api-key", demoApiKeyValue, secret: true);

// Infrastructure: containers when a runtime exists or when publishing, local processes otherwise.
var redis = builder.AddVoiceRedis("redis");
var voicedb = builder.AddVoicePostgres("postgres", "voicedb");
var voicedbApp = builder.AddDatabaseRole(voicedb, "voicedb-app", "voice_app");
var voicedbAdmin = builder.AddDatabaseRole(voicedb, "voicedb-admin", "voice_admin");
var blobs = builder.AddVoiceBlobs("blobs");

// Worker pools, each one engine and model with its own queue lanes (VOICE_POOLS, else one of VOICE_SPEECH_ENGINE).
// The API describes the first pool's engine until the pools announce themselves.
var pools = WorkerPools.FromConfiguration(builder.Configuration);

// The .NET services read references as connection strings and service-discovery entries only (no HOST/PORT/
// PASSWORD variables for other languages: fewer copies of each secret in a pod's environment).
const ReferenceEnvironmentInjectionFlags ReferencesAs = ReferenceEnvironmentInjectionFlags.ConnectionString | ReferenceEnvironmentInjectionFlags.ServiceDiscovery;

// Services. The API owns the schema (it migrates at start-up, under an advisory lock) and the admin role; the
// worker gets only the row-level-security role and starts once the API is ready (schema migrated, roles enabled).
IResourceBuilder<ProjectResource> AddApi(string name, int? port, int? adminPort)
{
    var instance = builder.AddProject<Projects.Voice_ApiService>(name)
        .WithEndpoint("http", e => e.Port = port)
        .WithReferenceEnvironment(ReferencesAs)
        .WithExternalHttpEndpoints()
        .WithAdminListener(adminPort) // after: the operators' listener is never external
        .WithReference(voicedb).WaitFor(voicedb)
        .WithReference(voicedbApp)
        .WithReference(voicedbAdmin)
        .WithReference(redis).WaitFor(redis)
        .WithReference(blobs).WaitFor(blobs)
        .WithEnvironment("Voice__MasterKey", masterKey)
        .WithEnvironment("Admin__Token", adminToken)
        .WithEnvironment("Security__PortalCredential", portalCredential)
        .WithEnvironment("Speech__Engine", pools[0].Engine)
        .WithSettings("Queue", "Webhooks", "DataKeys", "Retention", "Telemetry", "Accounts", "ForwardedHeaders", "Realtime")
        .WithTrustedProxies()
        .WithHttpHealthCheck("/health")
        .WithAdminCommand("/admin/v1/retention/sweep", "Delete expired results now", adminToken)
        .WithAdminCommand("/admin/v1/data-keys/rewrap", "Rewrap data keys under the current master key", adminToken);
    if (demoApiKey is not null)
    {
        instance.WithEnvironment("Bootstrap__DemoApiKey", demoApiKey);
    }
    return instance;
}

var api = AddApi("api", builder.Port("VOICE_API_PORT", 5080), builder.Port("VOICE_ADMIN_PORT", 5081));

// A second, separately addressable API instance (VOICE_SECOND_API=true): what replicas share — the rate
// limiter, quotas, the ledger — is tested across two processes. Deployments scale the one "api" instead.
if (builder.Configuration["VOICE_SECOND_API"] == "true")
{
    AddApi("api-b", port: null, adminPort: null);
}

// One worker resource per pool: "worker", then "worker-<pool>". The pool's own settings come after the shared
// sections, so a Worker:Pool or Speech:Engine in the AppHost's configuration cannot make every pool the same.
foreach (var pool in pools)
{
    var worker = builder.AddProject<Projects.Voice_Worker>(pool.ResourceName)
        .WithEndpoint("http", e => e.Port = null)
        .WithReferenceEnvironment(ReferencesAs)
        .WithReference(voicedbApp)
        .WithReference(redis).WaitFor(redis)
        .WithReference(blobs).WaitFor(blobs)
        .WaitFor(api)
        .WithEnvironment("Voice__MasterKey", masterKey)
        .WithSettings("Queue", "Webhooks", "Worker", "Telemetry", "Speech")
        .WithEnvironment("Worker__Pool", pool.Name)
        .WithEnvironment("Speech__Engine", pool.Engine)
        .DisableForwardedHeaders() // nothing it serves needs a client address
        .WithHttpHealthCheck("/health");
    // The Qwen3-TTS engine reads its exported model from this directory.
    if (pool.ModelDirectory is not null)
    {
        worker.WithEnvironment("Speech__ModelDirectory", pool.ModelDirectory);
    }
}

// Apps
var web = builder.AddProject<Projects.Voice_Web>("web")
    .WithEndpoint("http", e => e.Port = builder.Port("VOICE_WEB_PORT", 5090))
    .WithReferenceEnvironment(ReferencesAs)
    .WithExternalHttpEndpoints()
    .WithReference(api.GetEndpoint("http")).WaitFor(api) // the public endpoint only: the portal never calls the admin listener
    .WithEnvironment("Portal__PublicApiUrl", api.GetEndpoint("http")) // the snippets in the playground
    .WithEnvironment("Portal__DataProtectionKey", portalKey)
    .WithEnvironment("Portal__ApiCredential", portalCredential)
    .WithSettings("Telemetry", "ForwardedHeaders")
    .WithTrustedProxies()
    .WithHttpHealthCheck("/health");

// Links in account mail (invitations, password resets) point at the portal.
api.WithEnvironment("Accounts__PortalUrl", web.GetEndpoint("http"));

builder.Build().Run();
