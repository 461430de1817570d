using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Aspire.Hosting;

/// <summary>
/// Where Voice's infrastructure comes from. Each <c>AddVoice…</c> method picks, in one place, between the
/// standard container resource (publish mode, or run mode with a container runtime) and a local process
/// (run mode without one, or <c>VOICE_LOCAL_INFRA=true</c>) that exposes the same connection string and health.
/// </summary>
public static class VoiceInfrastructureExtensions
{
    // Asked once per process: the answer does not change while the AppHost starts.
    private static readonly Lazy<bool> ContainerRuntime = new(() =>
        ContainerRuntimeIsAvailable(Environment.GetEnvironmentVariable("ASPIRE_CONTAINER_RUNTIME") ?? "docker"));

    /// <summary>True when infrastructure runs as local processes instead of containers.</summary>
    public static bool UsesLocalInfrastructure(this IDistributedApplicationBuilder builder)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            return false;
        }
        return builder.Configuration["VOICE_LOCAL_INFRA"]?.ToLowerInvariant() switch
        {
            "true" or "1" => true,
            "false" or "0" => false,
            _ => !ContainerRuntime.Value,
        };
    }

    /// <summary>
    /// Where local processes keep their state: /var/tmp (the postgres user must reach it when we run as root), one
    /// folder per user, so a normal user's run never meets a folder that an earlier root run created.
    /// </summary>
    public static string LocalStateRoot { get; } = Environment.UserName is "root" ? "/var/tmp/voice" : $"/var/tmp/voice-{Environment.UserName}";

    /// <summary>
    /// Per-checkout state (databases, queues, blobs) for local processes: <c>VOICE_STATE_DIR</c>, else a folder
    /// under <see cref="LocalStateRoot"/> named after the checkout.
    /// </summary>
    public static string StateDirectory(this IDistributedApplicationBuilder builder)
    {
        string? configured = builder.Configuration["VOICE_STATE_DIR"];
        string directory = !string.IsNullOrWhiteSpace(configured)
            ? Path.GetFullPath(configured)
            : Path.Combine(LocalStateRoot, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(builder.AppHostDirectory)))[..12]);
        Directory.CreateDirectory(directory);
        if (!OperatingSystem.IsWindows())
        {
            // Traversable by the postgres user when we run as root.
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }
        return directory;
    }

    /// <summary>A generated secret that stays the same across runs (kept in the AppHost's user secrets).</summary>
    public static IResourceBuilder<ParameterResource> AddGeneratedSecret(this IDistributedApplicationBuilder builder, string name, int length = 32) =>
        builder.AddParameter(name, new GenerateParameterDefault { MinLength = length, Special = false }, secret: true, persist: true);

    /// <summary>Redis: <c>redis-server</c> locally, the Redis container otherwise; password-protected either way.</summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddVoiceRedis(this IDistributedApplicationBuilder builder, string name)
    {
        var password = builder.AddGeneratedSecret($"{name}-password");
        if (!builder.UsesLocalInfrastructure())
        {
            // A data volume: the queue survives a restart, and the container's root filesystem can stay read-only.
            return builder.AddRedis(name, port: null, password: password).WithDataVolume("voice-redis");
        }

        string stateDirectory = Path.Combine(builder.StateDirectory(), name);
        var redis = new LocalRedisResource(name, "bash", builder.AppHostDirectory, password.Resource);
        string healthKey = $"{name}_check";
        string? connectionString = null;
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(redis, async (_, ct) =>
            connectionString = await redis.ConnectionStringExpression.GetValueAsync(ct));
        builder.Services.AddHealthChecks().AddRedis(_ => connectionString ?? throw new InvalidOperationException("Redis is not started yet."), name: healthKey);

        return builder.AddResource(redis)
            .WithEndpoint(name: "tcp", scheme: "tcp", isProxied: false)
            .WithArgs(context =>
            {
                context.Args.Add(Script(builder, "start-redis.sh"));
                context.Args.Add(redis.Endpoint.Property(EndpointProperty.TargetPort));
                context.Args.Add(stateDirectory);
            })
            .WithEnvironment("VOICE_REDIS_PASSWORD", password)
            .WithIconName("Memory")
            .WithHealthCheck(healthKey);
    }

    /// <summary>
    /// PostgreSQL and its database: <c>initdb</c> + <c>postgres</c> (as the postgres user) locally, the
    /// Postgres container otherwise. Returns the database, whose connection string names it.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddVoicePostgres(this IDistributedApplicationBuilder builder, string serverName, string databaseName)
    {
        var password = builder.AddGeneratedSecret($"{serverName}-password");
        if (!builder.UsesLocalInfrastructure())
        {
            return builder.AddPostgres(serverName, password: password).WithDataVolume("voice-postgres").AddDatabase(databaseName);
        }

        string stateDirectory = Path.Combine(builder.StateDirectory(), serverName);
        var server = new LocalPostgresServerResource(serverName, "bash", builder.AppHostDirectory, password.Resource);
        var database = new LocalPostgresDatabaseResource(databaseName, databaseName, server);

        string? serverConnection = null;
        string? databaseConnection = null;
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(server, async (_, ct) =>
        {
            serverConnection = await server.ConnectionStringExpression.GetValueAsync(ct);
            databaseConnection = await database.ConnectionStringExpression.GetValueAsync(ct);
        });
        // Executables do not pass their state to child resources (containers do), so the database reports
        // its own: running once it has been created on a ready server.
        builder.Eventing.Subscribe<ResourceReadyEvent>(server, async (@event, ct) =>
        {
            await CreateDatabaseIfMissingAsync(serverConnection!, databaseName, ct);
            await @event.Services.GetRequiredService<ResourceNotificationService>().PublishUpdateAsync(database, s => s with
            {
                State = KnownResourceStates.Running,
                StartTimeStamp = DateTime.UtcNow,
            });
        });

        string serverHealthKey = $"{serverName}_check";
        string databaseHealthKey = $"{databaseName}_check";
        builder.Services.AddHealthChecks()
            .AddNpgSql(_ => (serverConnection ?? throw new InvalidOperationException("Postgres is not started yet.")) + ";Database=postgres", name: serverHealthKey)
            .AddNpgSql(_ => databaseConnection ?? throw new InvalidOperationException("Postgres is not started yet."), name: databaseHealthKey);

        builder.AddResource(server)
            .WithEndpoint(name: "tcp", scheme: "tcp", isProxied: false)
            .WithArgs(context =>
            {
                context.Args.Add(Script(builder, "start-postgres.sh"));
                context.Args.Add(Path.Combine(stateDirectory, "data"));
                context.Args.Add(server.Endpoint.Property(EndpointProperty.TargetPort));
                context.Args.Add(Path.Combine(stateDirectory, "socket"));
            })
            .WithEnvironment("VOICE_PG_PASSWORD", password)
            .WithEnvironment("VOICE_PG_OPTIONS", builder.Configuration["VOICE_PG_OPTIONS"] ?? "")
            .WithIconName("DatabaseMultiple")
            .WithHealthCheck(serverHealthKey);

        return builder.AddResource(database)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "PostgresDatabase",
                State = KnownResourceStates.Waiting,
                Properties = [],
            })
            .WithIconName("Database")
            .WithHealthCheck(databaseHealthKey);
    }

    /// <summary>
    /// A connection string for the same database under another role (created by the API's migrations, which
    /// set its password from this string at start-up). Services get only the roles they need.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddDatabaseRole(
        this IDistributedApplicationBuilder builder, IResourceBuilder<IResourceWithConnectionString> database, string name, string role)
    {
        var password = builder.AddGeneratedSecret($"{name}-password");
        // Later keys win in a connection string: the role replaces the owner's user and password.
        return builder.AddConnectionString(name, ReferenceExpression.Create(
            $"{database.Resource.ConnectionStringExpression};Username={role};Password={password.Resource}"));
    }

    /// <summary>Blob storage: Azurite's blob service as a local node process, or the Azurite container.</summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddVoiceBlobs(this IDistributedApplicationBuilder builder, string name)
    {
        if (!builder.UsesLocalInfrastructure())
        {
            return builder.AddResource(new AzuriteContainerResource(name))
                .WithImage("azure-storage/azurite", "3.35.0")
                .WithImageRegistry("mcr.microsoft.com")
                .WithEntrypoint("azurite-blob")
                .WithArgs("--blobHost", "0.0.0.0", "--blobPort", "10000", "--location", "/data", "--skipApiVersionCheck", "--loose")
                .WithEndpoint(name: "blob", targetPort: 10000, scheme: "http")
                .WithVolume("voice-blobs", "/data");
        }

        string stateDirectory = Path.Combine(builder.StateDirectory(), name);
        string azuriteDirectory = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", "tools", "azurite"));
        var azurite = new LocalAzuriteResource(name, "bash", builder.AppHostDirectory);
        string healthKey = $"{name}_check";
        string? blobEndpoint = null;
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(azurite, async (_, ct) =>
            blobEndpoint = await ReferenceExpression.Create(
                $"http://{azurite.Endpoint.Property(EndpointProperty.IPV4Host)}:{azurite.Endpoint.Property(EndpointProperty.Port)}/").GetValueAsync(ct));
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthKey,
            _ => new HttpRespondsHealthCheck(() => blobEndpoint), failureStatus: null, tags: null));

        return builder.AddResource(azurite)
            .WithHttpEndpoint(name: "http", isProxied: false)
            .WithArgs(context =>
            {
                context.Args.Add(Script(builder, "start-azurite.sh"));
                context.Args.Add(azuriteDirectory);
                context.Args.Add(azurite.Endpoint.Property(EndpointProperty.TargetPort));
                context.Args.Add(stateDirectory);
            })
            .WithIconName("Storage")
            .WithHealthCheck(healthKey);
    }

    /// <summary>The private networks: in a cluster, the pod network, whose only callers of api and web network policy limits to the ingress controller and the portal.</summary>
    public const string ClusterNetworks = "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fd00::/8";

    /// <summary>
    /// Replaces Aspire's default for published projects (<c>ASPNETCORE_FORWARDEDHEADERS_ENABLED=true</c>, which trusts
    /// <c>X-Forwarded-For</c> from any caller) with named proxies: loopback in run mode, and when publishing the networks
    /// in <c>ForwardedHeaders:KnownNetworks</c> or else <see cref="ClusterNetworks"/> (see <c>TrustedProxies</c> in ServiceDefaults).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithTrustedProxies(this IResourceBuilder<ProjectResource> project)
    {
        project.DisableForwardedHeaders();
        var builder = project.ApplicationBuilder;
        if (builder.ExecutionContext.IsPublishMode && builder.Configuration["ForwardedHeaders:KnownNetworks"] is null)
        {
            project.WithEnvironment("ForwardedHeaders__KnownNetworks", ClusterNetworks);
        }
        return project;
    }

    /// <summary>
    /// Passes the AppHost's configuration sections (e.g. <c>Worker:MaxAttempts</c> from appsettings, the command
    /// line or <c>Worker__MaxAttempts</c>) to the service as its own settings. In run mode, webhooks may also
    /// reach loopback receivers, so local development can test them.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithSettings(this IResourceBuilder<ProjectResource> project, params string[] sections)
    {
        var configuration = project.ApplicationBuilder.Configuration;
        return project.WithEnvironment(context =>
        {
            foreach (string section in sections)
            {
                foreach (var (key, value) in configuration.GetSection(section).AsEnumerable(makePathsRelative: false))
                {
                    if (value is not null)
                    {
                        context.EnvironmentVariables[key.Replace(":", "__", StringComparison.Ordinal)] = value;
                    }
                }
            }
            if (project.ApplicationBuilder.ExecutionContext.IsRunMode && configuration["Webhooks:AllowedPrivateNetworks:0"] is null)
            {
                context.EnvironmentVariables["Webhooks__AllowedPrivateNetworks__0"] = "127.0.0.0/8";
            }
        });
    }

    private static string Script(IDistributedApplicationBuilder builder, string name) =>
        Path.Combine(builder.AppHostDirectory, "LocalInfrastructure", "scripts", name);

    private static async Task CreateDatabaseIfMissingAsync(string serverConnection, string databaseName, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(serverConnection + ";Database=postgres");
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("select 1 from pg_database where datname = $1", connection);
        exists.Parameters.Add(new() { Value = databaseName });
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            var quoted = new NpgsqlCommandBuilder().QuoteIdentifier(databaseName);
            await using var create = new NpgsqlCommand($"create database {quoted}", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static bool ContainerRuntimeIsAvailable(string runtime)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(runtime, "info --format {{.ServerVersion}}")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (process is null)
            {
                return false;
            }
            if (!process.WaitForExit(TimeSpan.FromSeconds(5)))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // the runtime's CLI is not installed
        }
    }

    /// <summary>Healthy as soon as the endpoint answers HTTP at all (Azurite answers 400/403 to an anonymous GET).</summary>
    private sealed class HttpRespondsHealthCheck(Func<string?> endpoint) : IHealthCheck
    {
        private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            if (endpoint() is not { } url)
            {
                return HealthCheckResult.Unhealthy("Not started yet.");
            }
            try
            {
                using var response = await Http.GetAsync(url, cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (HttpRequestException ex)
            {
                return HealthCheckResult.Unhealthy("No answer.", ex);
            }
        }
    }
}
