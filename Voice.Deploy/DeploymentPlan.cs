namespace Voice.Deploy;

/// <summary>One environment variable of a service: a plain value (ConfigMap) or a key of the <c>voice-secrets</c> Secret.</summary>
public sealed record ServiceSetting(string Name, string? Value, string? SecretKey);

/// <summary>
/// A named HTTP endpoint of a service besides its public <c>http</c> one (e.g. the API's <c>admin</c> listener): the
/// Service exposes it under its name, only operators' namespaces may reach it, and no Ingress or HTTPRoute routes it.
/// </summary>
public sealed record InternalEndpoint(string Name, int Port);

/// <summary>A .NET service of the AppHost as the cluster runs it (one per worker pool: the pools share the worker's image).</summary>
public sealed record ServicePlan(
    string Name,
    string Image,
    IReadOnlyList<ServiceSetting> Settings,
    IReadOnlySet<string> Reaches,
    IReadOnlyList<string> PublicUrlSettings,
    bool Public,
    WorkloadProfile Profile,
    IReadOnlyList<InternalEndpoint> InternalEndpoints,
    bool ServesQueueStats = false)
{
    /// <summary>A plain (ConfigMap) setting's value, or null.</summary>
    public string? Setting(string name) => Settings.FirstOrDefault(s => s.Name == name)?.Value;

    /// <summary>The pool a worker serves (its <c>Worker__Pool</c>; the resource name when unset).</summary>
    public string PoolName => Setting("Worker__Pool") ?? Name;
}

/// <summary>An infrastructure container of the AppHost (Redis, Postgres, Azurite): in-cluster for development only.</summary>
public sealed record InfrastructurePlan(
    string Name,
    string Image,
    string? Entrypoint,
    IReadOnlyList<string> Args,
    IReadOnlyList<ServiceSetting> Settings,
    int Port,
    IReadOnlyList<ManifestVolume> Volumes);

/// <summary>
/// What the AppHost's manifest means for Kubernetes: its projects become services with their settings split into
/// ConfigMap values and Secret keys, its containers become development infrastructure, and who references whom
/// becomes the network policy.
/// </summary>
public sealed record DeploymentPlan(IReadOnlyList<ServicePlan> Services, IReadOnlyList<InfrastructurePlan> Infrastructure)
{
    /// <summary>The one Secret every overlay generates (values come from a git-ignored env file, never the repository).</summary>
    public const string SecretName = "voice-secrets";

    /// <summary>The port /metrics answers on in a cluster: on the pods only, never behind a Service or the ingress.</summary>
    public const int MetricsPort = 9464;

    /// <summary>The OpenTelemetry collector every service exports to (gRPC), in the monitoring namespace.</summary>
    public const string OtlpCollector = "http://otel-collector.monitoring.svc.cluster.local:4317";

    /// <summary>The project every worker pool runs (the AppHost's <c>worker</c> and <c>worker-&lt;pool&gt;</c> resources).</summary>
    public const string WorkerProject = "Voice.Worker.csproj";

    /// <summary>The project of the API, which also serves every pool's backlog on its metrics port (the pools' autoscalers read it).</summary>
    public const string ApiProject = "Voice.ApiService.csproj";

    /// <summary>The API's metrics-port route of a pool's backlog (KEDA's metrics-api trigger reads it, even while the pool has no replica).</summary>
    public const string QueueStatsPath = "/queue/stats/";

    /// <summary>The API, whose metrics port answers the pools' backlog; null when the manifest has none.</summary>
    public ServicePlan? QueueStatsServer => Services.FirstOrDefault(s => s.ServesQueueStats);

    private const string ConnectionStringPrefix = "ConnectionStrings__";

    public static DeploymentPlan From(AspireManifest manifest)
    {
        // Placeholders only: real values are never part of generated manifests.
        var expressions = new ManifestExpressions(manifest, p => $"<{p.Name}>");
        var services = manifest.Projects.Select(p => PlanService(manifest, expressions, p)).ToList();
        var infrastructure = manifest.Containers.Select(c => PlanInfrastructure(expressions, c)).ToList();
        return new DeploymentPlan(services, infrastructure);
    }

    /// <summary>Every Secret key the services read, sorted (what an operator supplies for production).</summary>
    public IReadOnlyList<string> ServiceSecretKeys =>
        Services.SelectMany(s => s.Settings).Select(s => s.SecretKey).OfType<string>().Distinct().Order(StringComparer.Ordinal).ToList();

    /// <summary>Every Secret key the development infrastructure reads.</summary>
    public IReadOnlyList<string> InfrastructureSecretKeys =>
        Infrastructure.SelectMany(s => s.Settings).Select(s => s.SecretKey).OfType<string>().Distinct().Order(StringComparer.Ordinal).ToList();

    /// <summary>A Secret key for an environment variable: letters, digits and underscores, so a shell can export it.</summary>
    public static string SecretKeyFor(string variable) => variable.Replace('-', '_');

    private static ServicePlan PlanService(AspireManifest manifest, ManifestExpressions expressions, ManifestResource project)
    {
        var settings = new List<ServiceSetting>();
        var reaches = new SortedSet<string>(StringComparer.Ordinal);
        var publicUrls = new List<string>();
        var names = project.Env.Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, expression) in project.Env)
        {
            // Aspire writes each connection string twice (voicedb-app and voicedb_app); .NET reads the first.
            if (name.StartsWith(ConnectionStringPrefix, StringComparison.Ordinal) && name[ConnectionStringPrefix.Length..].Contains('_', StringComparison.Ordinal)
                && names.Contains(ConnectionStringPrefix + name[ConnectionStringPrefix.Length..].Replace('_', '-')))
            {
                continue;
            }
            // TLS ends at the ingress: services talk plain HTTP inside the cluster.
            if (ReferencesBinding(expression, "https"))
            {
                continue;
            }
            var value = expressions.Resolve(expression);
            // Service discovery stays inside the cluster; other URLs of a public endpoint are for people and clients.
            bool publicUrl = ReferencesExternalUrl(manifest, expression) && !name.StartsWith("services__", StringComparison.Ordinal);
            if (publicUrl)
            {
                publicUrls.Add(name);
            }
            // A link for people (a mail's portal address) is not a call: only the other references open the network.
            if (!publicUrl)
            {
                reaches.UnionWith(value.Resources.Where(r => r != project.Name));
            }
            if (name == "HTTP_PORTS")
            {
                // Kestrel also listens on the metrics port, which only the scraper may reach.
                settings.Add(new ServiceSetting(name, $"{value.Text};{MetricsPort}", null));
                continue;
            }
            bool secret = value.IsSecret || name.StartsWith(ConnectionStringPrefix, StringComparison.Ordinal); // credentials by nature
            settings.Add(secret ? new ServiceSetting(name, null, SecretKeyFor(name)) : new ServiceSetting(name, value.Text, null));
        }
        // In a cluster, telemetry goes to the collector in the monitoring namespace and metrics are scraped.
        settings.Add(new ServiceSetting("OTEL_SERVICE_NAME", project.Name, null));
        settings.Add(new ServiceSetting("OTEL_EXPORTER_OTLP_ENDPOINT", OtlpCollector, null));
        settings.Add(new ServiceSetting("Telemetry__Prometheus", "true", null));
        settings.Add(new ServiceSetting("Telemetry__MetricsPort", MetricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture), null));
        bool isPublic = project.Bindings.Any(b => b.Name == "http" && b.External);
        // Every further HTTP binding (the API's admin listener) stays inside: its own container port, never routed.
        var internalEndpoints = project.Bindings.Where(b => b.Name is not ("http" or "https") && b.Scheme is "http" or "https")
            .Select(b => new InternalEndpoint(b.Name, b.TargetPort ?? throw new InvalidDataException($"The endpoint '{project.Name}.{b.Name}' has no targetPort: give it one in the AppHost.")))
            .ToList();
        // A worker pool is recognised by its project, not its name, and shaped by the engine it runs.
        if (Path.GetFileName(project.Path) == WorkerProject)
        {
            string engine = settings.FirstOrDefault(s => s.Name == "Speech__Engine")?.Value
                ?? throw new InvalidDataException($"The worker pool '{project.Name}' has no Speech__Engine.");
            return new ServicePlan(project.Name, "voice-worker", settings, reaches, publicUrls, isPublic, WorkloadProfile.ForWorkerPool(project.Name, engine), internalEndpoints);
        }
        return new ServicePlan(project.Name, $"voice-{project.Name}", settings, reaches, publicUrls, isPublic, WorkloadProfile.For(project.Name), internalEndpoints,
            ServesQueueStats: Path.GetFileName(project.Path) == ApiProject);
    }

    private static InfrastructurePlan PlanInfrastructure(ManifestExpressions expressions, ManifestResource container)
    {
        var settings = container.Env.Select(e =>
        {
            var value = expressions.Resolve(e.Value);
            return value.IsSecret ? new ServiceSetting(e.Key, null, SecretKeyFor(e.Key)) : new ServiceSetting(e.Key, value.Text, null);
        }).ToList();
        var binding = container.Bindings.Single();
        return new InfrastructurePlan(container.Name, container.Image ?? throw new InvalidDataException($"Container '{container.Name}' has no image."),
            container.Entrypoint, container.Args, settings, ManifestExpressions.ServicePort(container, binding), container.Volumes);
    }

    private static bool ReferencesBinding(string expression, string binding) =>
        expression.Contains($".bindings.{binding}.", StringComparison.Ordinal);

    /// <summary>A URL of another service's external endpoint: in the cluster it is that service's public address.</summary>
    private static bool ReferencesExternalUrl(AspireManifest manifest, string expression) =>
        manifest.Projects.Any(p => p.Bindings.Any(b => b.External && expression.Contains($"{{{p.Name}.bindings.{b.Name}.url}}", StringComparison.Ordinal)));
}
