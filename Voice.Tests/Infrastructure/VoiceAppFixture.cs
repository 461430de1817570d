using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Voice.Tests.Infrastructure;

/// <summary>
/// The whole platform — the real AppHost with Redis, Postgres and Azurite as local processes — started once
/// per test run (a start costs ~25 s on two cores) and shared by every test in the "app" collection.
/// Each run gets its own state directory and free ports, so it never collides with a developer's instance.
/// Every wait is bounded; a resource that exits during start-up fails the run at once, with its log.
/// </summary>
public sealed class VoiceAppFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);
    private static readonly string[] Services = ["api", "api-b", "worker", "web"];

    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _logs = new();
    private readonly CancellationTokenSource _stopping = new();
    private DistributedApplication? _app;

    public string StateDirectory { get; } = Path.Combine(Aspire.Hosting.VoiceInfrastructureExtensions.LocalStateRoot, "test-" + Guid.NewGuid().ToString("N")[..12]);

    public string DemoApiKey { get; } = "vk_live_"
        + RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 12) + "_"
        + RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 32);

    /// <summary>The platform operator's admin token (the AppHost's admin-token parameter).</summary>
    public string AdminToken { get; } = RandomSecret();

    /// <summary>The platform's master key (the AppHost's master-key parameter).</summary>
    public string MasterKey { get; } = RandomSecret();

    /// <summary>The portal's credential: an API client that sends it (<see cref="CreatePortalClient"/>) is the portal relaying a session.</summary>
    public string PortalCredential { get; } = RandomSecret();

    /// <summary>The collector every service of this run exports its traces to.</summary>
    public OtlpReceiver Otlp { get; } = new();

    /// <summary>The speech socket's bounds in this run (production: 16 sockets, 2 minutes idle, 10 s to authenticate, 8 waiting).</summary>
    public const int SocketsPerTenant = 4, UnauthenticatedSocketsPerAddress = 3;

    public static readonly TimeSpan SocketIdleTimeout = TimeSpan.FromSeconds(15), SocketAuthTimeout = TimeSpan.FromSeconds(6);

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The app is not started.");

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Voice_AppHost>(
        [
            "VOICE_LOCAL_INFRA=true",
            $"VOICE_STATE_DIR={StateDirectory}",
            "VOICE_API_PORT=0",
            "VOICE_ADMIN_PORT=0",
            "VOICE_WEB_PORT=0",
            "VOICE_SECOND_API=true", // "api-b": tests of what API replicas share
            $"VOICE_DEMO_API_KEY={DemoApiKey}",
            // Durability is not under test here; this makes Postgres several times faster on a small box.
            "VOICE_PG_OPTIONS=-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            $"Parameters:master-key={MasterKey}",
            // Shorter clocks than production, so recovery and retries happen within a test's patience.
            "Queue:VisibilityTimeout=00:00:10",
            "Worker:ReconcileInterval=00:00:02",
            "Worker:ReconcileMinimumAge=00:00:05",
            "Worker:ReclaimInterval=00:00:01",
            // As the chaos test's own workers: their jobs reach this worker too, after attempts that SIGKILLs and a
            // starved CPU (their 3 s visibility) cost them; those are not the job's fault and must not dead-letter it.
            "Worker:MaxAttempts=20",
            "Webhooks:RetryBaseDelay=00:00:01",
            // The speech socket's bounds, small enough to reach in a test (SpeechSocketBoundsTests, SpeechSocketAuthTests).
            $"Realtime:MaxSocketsPerTenant={SocketsPerTenant}",
            $"Realtime:IdleTimeout={SocketIdleTimeout}",
            $"Realtime:AuthTimeout={SocketAuthTimeout}",
            $"Realtime:MaxUnauthenticatedPerAddress={UnauthenticatedSocketsPerAddress}",
            "DataKeys:RotationGrace=00:00:00", // a rotation may retire old key versions as soon as its objects are re-encrypted
            // Every service exports its traces to this test run's own collector, promptly, and serves /metrics.
            $"Telemetry:OtlpEndpoint={Otlp.Endpoint}",
            "Telemetry:ExportDelayMs=300",
            "Telemetry:Prometheus=true",
            $"VOICE_ADMIN_TOKEN={AdminToken}",
            $"Parameters:redis-password={RandomSecret()}",
            $"Parameters:portal-credential={PortalCredential}",
            $"Parameters:postgres-password={RandomSecret()}",
            $"Parameters:voicedb-app-password={RandomSecret()}",
            $"Parameters:voicedb-admin-password={RandomSecret()}",
        ], timeout.Token);
        builder.Services.AddLogging(logging => logging
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None) // probes fail by design at shutdown
            // Every line the services write reaches the AppHost as "Voice.AppHost.Resources.<name>"; keep them all.
            .AddProvider(new ResourceLogCapture(_logs))
            .AddFilter<ResourceLogCapture>(ResourceLogCapture.Prefix, LogLevel.Trace));

        _app = await builder.BuildAsync(timeout.Token);
        var crashed = WatchForCrashAsync(_stopping.Token);

        try
        {
            await _app.StartAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The platform did not start within {StartTimeout}. What its resources wrote:\n" +
                string.Join("\n\n", _logs.Keys.Order().Select(r => $"== {r}\n{LogOf(r, 30)}")));
        }
        var healthy = Task.WhenAll(Services.Select(s => _app.ResourceNotifications.WaitForResourceHealthyAsync(s, timeout.Token)));
        if (await Task.WhenAny(healthy, crashed) == crashed && await crashed is { } resource)
        {
            throw new InvalidOperationException($"Resource '{resource}' stopped during start-up. Its log:\n{LogOf(resource)}");
        }
        try
        {
            await healthy;
        }
        catch (OperationCanceledException)
        {
            // Say which service never became healthy, and what it wrote, instead of a bare timeout.
            var waiting = Services.Where(s => !_app.ResourceNotifications.TryGetCurrentState(s, out var e) || e.Snapshot.HealthStatus != Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy);
            throw new TimeoutException(string.Join("\n\n", waiting.Select(s => $"'{s}' was not healthy after {StartTimeout}. Its log:\n{LogOf(s)}")));
        }
        await CreateTestPlanAsync();
    }

    /// <summary>The plan test tenants get unless a test asks for another: everything allowed, nothing limited.</summary>
    public const string TestPlan = "test-unlimited";

    private async Task CreateTestPlanAsync()
    {
        using var admin = CreateAdminClient();
        using var created = await admin.PostAsJsonAsync("/admin/v1/plans", new
        {
            id = TestPlan, name = "Tests", queue_weight = 1, max_voices = 1000, max_text_chars = 20_000,
            rate_per_second = 100_000, rate_burst = 100_000, key_rate_per_second = 100_000, key_rate_burst = 100_000,
            unlimited_characters = true, unlimited_audio = true, max_concurrent_jobs = 100_000, max_upload_bytes = 10 * 1024 * 1024,
            retention_days = 30,
        });
        created.EnsureSuccessStatusCode();
    }

    /// <summary>A plan for one test (a fresh id), from the given fields; the rest are the test plan's.</summary>
    public async Task<string> CreatePlanAsync(object fields)
    {
        using var admin = CreateAdminClient();
        string id = "p-" + Guid.NewGuid().ToString("N")[..12];
        var template = await admin.GetFromJsonAsync<Dictionary<string, JsonElement>>($"/admin/v1/plans/{TestPlan}");
        var body = template!.ToDictionary(kv => kv.Key, kv => (object?)kv.Value);
        body["id"] = id;
        body["name"] = id;
        foreach (var property in JsonSerializer.SerializeToElement(fields).EnumerateObject())
        {
            body[property.Name] = property.Value;
        }
        if (body["monthly_characters"] is JsonElement { ValueKind: JsonValueKind.Null })
        {
            body.Remove("monthly_characters");
            body["unlimited_characters"] = true;
        }
        if (body["monthly_audio_seconds"] is JsonElement { ValueKind: JsonValueKind.Null })
        {
            body.Remove("monthly_audio_seconds");
            body["unlimited_audio"] = true;
        }
        using var created = await admin.PostAsJsonAsync("/admin/v1/plans", body);
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        return id;
    }

    /// <summary>
    /// A client of the API (of <c>api-b</c>, the second instance, if asked). Each client looks like its own
    /// address (X-Forwarded-For through the trusted local proxy), so per-address throttling of one test never
    /// touches another.
    /// </summary>
    public HttpClient CreateApiClient(string? credential = null, string instance = "api", string endpoint = "http")
    {
        var client = App.CreateHttpClient(instance, endpoint);
        client.DefaultRequestHeaders.Add("X-Forwarded-For", RandomClientAddress());
        if (credential is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        }
        return client;
    }

    public HttpClient CreateDemoClient() => CreateApiClient(DemoApiKey);

    /// <summary>An API client as the portal is one: a person's session plus the portal's own credential.</summary>
    public HttpClient CreatePortalClient(string? session)
    {
        var client = CreateApiClient(session);
        client.DefaultRequestHeaders.Add("X-Voice-Portal", PortalCredential);
        return client;
    }

    /// <summary>A client of the API's admin listener (the <c>admin</c> endpoint, the only one the admin API answers on) with the bootstrap token, or <paramref name="credential"/>.</summary>
    public HttpClient CreateAdminClient(string? credential = null, string instance = "api") => CreateApiClient(credential ?? AdminToken, instance, AdminEndpoint);

    /// <summary>The API's admin listener (AppHost: <c>WithAdminListener</c>).</summary>
    public const string AdminEndpoint = "admin";

    /// <summary>A new tenant (through the admin API) and an API key with every scope.</summary>
    public async Task<TestTenant> CreateTenantAsync(string? plan = null)
    {
        using var admin = CreateAdminClient();
        string slug = "t-" + Guid.NewGuid().ToString("N")[..12];
        using var created = await admin.PostAsJsonAsync("/admin/v1/tenants", new { slug, name = "Test " + slug, plan = plan ?? TestPlan });
        created.EnsureSuccessStatusCode();
        var tenant = await created.Content.ReadFromJsonAsync<JsonElement>();
        Guid id = tenant.GetProperty("id").GetGuid();
        using var issued = await admin.PostAsJsonAsync($"/admin/v1/tenants/{id}/keys", new { name = "all scopes" });
        issued.EnsureSuccessStatusCode();
        var key = await issued.Content.ReadFromJsonAsync<JsonElement>();
        return new TestTenant(id, slug, key.GetProperty("key").GetString()!, key.GetProperty("info").GetProperty("id").GetString()!);
    }

    public static string RandomClientAddress() =>
        $"198.18.{RandomNumberGenerator.GetInt32(0, 256)}.{RandomNumberGenerator.GetInt32(1, 255)}";

    private static string RandomSecret() =>
        RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 48);

    public HttpClient CreateWebClient(HttpMessageHandler? handler = null)
    {
        var endpoint = App.GetEndpoint("web", "http");
        return handler is null ? new HttpClient { BaseAddress = endpoint } : new HttpClient(handler) { BaseAddress = endpoint };
    }

    public async Task<string> ConnectionStringAsync(string resource) =>
        await App.GetConnectionStringAsync(resource) ?? throw new InvalidOperationException($"{resource} has no connection string.");

    /// <summary>The last lines a resource logged (for assertion messages; <see cref="int.MaxValue"/>: all that are kept).</summary>
    public string LogOf(string resource, int lines = 60) =>
        _logs.TryGetValue(resource, out var log) ? string.Join('\n', log.TakeLast(lines)) : "(no log captured)";

    public async Task DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        await Otlp.DisposeAsync();
        _stopping.Dispose();
        SaveLogs();
        try
        {
            Directory.Delete(StateDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A process that outlived the app still holds a file; .ci/run sweeps test state folders.
        }
    }

    /// <summary>
    /// Each resource's captured log into artifacts/test-results/app-logs (what test.sh shows of them when a test failed:
    /// a CI log keeps only its tail, and the app's own account of a failure is often the only one).
    /// </summary>
    private void SaveLogs()
    {
        string folder = Path.Combine(RepositoryPaths.Root, "artifacts", "test-results", "app-logs");
        Directory.CreateDirectory(folder);
        foreach (var (resource, lines) in _logs)
        {
            File.WriteAllLines(Path.Combine(folder, $"{resource}-{Path.GetFileName(StateDirectory)}.log"), lines);
        }
    }

    /// <summary>The name of the first resource that stops, or null once the fixture is disposed.</summary>
    private async Task<string?> WatchForCrashAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var update in App.ResourceNotifications.WatchAsync(cancellationToken))
            {
                string? state = update.Snapshot.State?.Text;
                if (state == KnownResourceStates.Exited || state == KnownResourceStates.FailedToStart || state == KnownResourceStates.Finished)
                {
                    return update.Resource.Name;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        return null;
    }
}

[CollectionDefinition(Name)]
public sealed class AppCollection : ICollectionFixture<VoiceAppFixture>
{
    public const string Name = "app";
}

/// <summary>
/// An app of its own for the chaos test, which restarts Redis and kills workers: on the shared app the tests after it
/// met a platform still recovering (the portal's pages timed out in CI), so it disturbs nobody but itself here.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ChaosCollection : ICollectionFixture<VoiceAppFixture>
{
    public const string Name = "chaos";
}

/// <summary>A tenant made for one test, with a key that has every scope.</summary>
public sealed record TestTenant(Guid Id, string Slug, string ApiKey, string KeyId);

/// <summary>
/// Keeps what each resource (service, database, cache) writes, as the AppHost relays it: its last
/// <see cref="Kept"/> lines, for assertion messages and for the tests that read the logs themselves.
/// </summary>
internal sealed class ResourceLogCapture(ConcurrentDictionary<string, ConcurrentQueue<string>> logs) : ILoggerProvider
{
    public const string Prefix = "Voice.AppHost.Resources.";
    private const int Kept = 50_000;

    public ILogger CreateLogger(string categoryName) =>
        categoryName.StartsWith(Prefix, StringComparison.Ordinal) ? new Capture(logs.GetOrAdd(categoryName[Prefix.Length..], _ => new())) : NullLogger.Instance;

    public void Dispose()
    {
    }

    private sealed class Capture(ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lines.Enqueue(formatter(state, exception));
            while (lines.Count > Kept && lines.TryDequeue(out _))
            {
            }
        }
    }
}
